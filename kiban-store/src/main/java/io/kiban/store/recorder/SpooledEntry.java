package io.kiban.store.recorder;

import io.kiban.store.audit.AuditEvent;
import io.kiban.store.history.HistoryRecord;
import io.kiban.store.usage.UsageIncrement;

/** One submitted item, as queued and as written to the spool: exactly one of the fields is set. */
record SpooledEntry(HistoryRecord history, UsageIncrement usage, AuditEvent audit) {
    static SpooledEntry of(HistoryRecord r) {
        return new SpooledEntry(r, null, null);
    }

    static SpooledEntry of(UsageIncrement u) {
        return new SpooledEntry(null, u, null);
    }

    static SpooledEntry of(AuditEvent e) {
        return new SpooledEntry(null, null, e);
    }
}
