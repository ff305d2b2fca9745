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

    /** Roughly how many bytes this entry occupies (bodies dominate), for the queue's and batches' byte limits. */
    long weight() {
        long bodies = 0;
        if (history != null) {
            bodies += history.requestBody() == null ? 0 : history.requestBody().length();
            bodies += history.responseBody() == null ? 0 : history.responseBody().length();
        }
        return 512 + bodies;
    }
}
