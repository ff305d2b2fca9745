package io.kiban.store.retention;

import io.kiban.store.Database;
import io.kiban.store.audit.AuditRepository;
import io.kiban.store.history.HistoryRepository;
import io.kiban.store.quota.QuotaRepository;
import io.kiban.store.recorder.AppliedBatches;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * Deletes what has outlived its retention: history records, audit events, the Recorder's applied-batch ids and
 * quota ledger rows of past periods. The server calls {@link #purge()} on a schedule (hourly is plenty); usage
 * counters are kept, they are small and they are the billing record.
 */
public final class RetentionPurger {
    /** Applied-batch ids must outlive any spool that could still be replayed; see {@link AppliedBatches}. */
    static final Duration APPLIED_BATCHES = Duration.ofDays(30);
    /** Longer than the longest quota period (a month), so the current period's ledger is never touched. */
    static final Duration QUOTA_GRANTS = Duration.ofDays(62);

    /**
     * How long to keep things.
     *
     * @param history age after which history records (bodies included) are deleted
     * @param audit age after which audit events are deleted
     */
    public record Policy(Duration history, Duration audit) {
        public Policy {
            Objects.requireNonNull(history, "history");
            Objects.requireNonNull(audit, "audit");
        }
    }

    /** What one purge deleted. */
    public record Result(long history, long audit, long appliedBatches, long quotaGrants) {}

    private final HistoryRepository history;
    private final AuditRepository audit;
    private final AppliedBatches appliedBatches;
    private final QuotaRepository quotas;
    private final Clock clock;
    private final Policy policy;

    public RetentionPurger(Database db, Clock clock, Policy policy) {
        this.history = new HistoryRepository(db);
        this.audit = new AuditRepository(db);
        this.appliedBatches = new AppliedBatches(db);
        this.quotas = new QuotaRepository(db);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    public Result purge() {
        Instant now = clock.instant();
        return new Result(
                history.purgeOlderThan(now.minus(policy.history()), 1000),
                audit.purgeOlderThan(now.minus(policy.audit())),
                appliedBatches.purgeOlderThan(now.minus(APPLIED_BATCHES)),
                quotas.purgeGrantsBefore(now.minus(QUOTA_GRANTS)));
    }
}
