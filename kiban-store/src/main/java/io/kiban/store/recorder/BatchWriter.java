package io.kiban.store.recorder;

import io.kiban.store.Database;
import io.kiban.store.StoreException;
import io.kiban.store.audit.AuditEvent;
import io.kiban.store.audit.AuditRepository;
import io.kiban.store.history.HistoryRecord;
import io.kiban.store.history.HistoryRepository;
import io.kiban.store.usage.UsageIncrement;
import io.kiban.store.usage.UsageRepository;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes one batch in one transaction: its id into the applied-batch ledger, the history records, the usage they
 * imply plus any explicit usage increments, and the audit events.
 *
 * <p>Usage is derived only from history records that were actually inserted, so a record submitted twice under
 * the same id is counted once. A batch whose id is already in the ledger is skipped as a whole.
 */
final class BatchWriter {
    /** What happened to a batch. */
    enum Outcome {
        WRITTEN,
        ALREADY_APPLIED
    }

    private final Database db;
    private final Clock clock;
    private final HistoryRepository history;
    private final UsageRepository usage;
    private final AuditRepository audit;

    BatchWriter(Database db, Clock clock) {
        this.db = db;
        this.clock = clock;
        this.history = new HistoryRepository(db);
        this.usage = new UsageRepository(db);
        this.audit = new AuditRepository(db);
    }

    /**
     * Writes the batch.
     *
     * @throws StoreException when the database is unavailable ({@link StoreException#isUnavailable()}) or
     *     rejected the batch's data
     */
    Outcome write(SpooledBatch batch) {
        var records = new ArrayList<HistoryRecord>();
        var increments = new ArrayList<UsageIncrement>();
        var events = new ArrayList<AuditEvent>();
        for (SpooledEntry e : batch.entries()) {
            if (e.history() != null) {
                records.add(e.history());
            } else if (e.usage() != null) {
                increments.add(e.usage());
            } else if (e.audit() != null) {
                events.add(e.audit());
            }
        }
        return db.inTransaction(c -> {
            if (!AppliedBatches.markApplied(c, batch.id(), clock.instant())) {
                return Outcome.ALREADY_APPLIED;
            }
            boolean[] inserted = history.insertBatch(c, records);
            for (int i = 0; i < inserted.length; i++) {
                if (inserted[i]) {
                    increments.add(UsageIncrement.of(records.get(i)));
                }
            }
            usage.add(c, increments);
            audit.insertBatch(c, events);
            return Outcome.WRITTEN;
        });
    }

    /** Splits a batch into single-entry batches with ids derived from the parent's, so retries stay idempotent. */
    static List<SpooledBatch> split(SpooledBatch batch) {
        var parts = new ArrayList<SpooledBatch>();
        for (int i = 0; i < batch.entries().size(); i++) {
            parts.add(new SpooledBatch(batch.id() + "/" + i, List.of(batch.entries().get(i))));
        }
        return parts;
    }
}
