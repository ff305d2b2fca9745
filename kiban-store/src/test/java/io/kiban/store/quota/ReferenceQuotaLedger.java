package io.kiban.store.quota;

import java.time.Instant;

/**
 * The request side of quota enforcement as a gateway would run it for one subject and period, reduced to what
 * the contract test needs to check the end-to-end bound. Not production code: the gateway owns the real one (it
 * also prefetches grants in the background and keeps one ledger per subject, period and window).
 */
final class ReferenceQuotaLedger {
    private final QuotaRepository repository;
    private final QuotaSubject subject;
    private final QuotaPeriod period;
    private final Instant periodStart;
    private final long limit;
    private final long chunk;
    private long allowance; // guarded by this; negative after an overshooting "last" request

    ReferenceQuotaLedger(QuotaRepository repository, QuotaSubject subject, QuotaPeriod period, Instant periodStart,
            long limit, long chunk) {
        this.repository = repository;
        this.subject = subject;
        this.period = period;
        this.periodStart = periodStart;
        this.limit = limit;
        this.chunk = chunk;
    }

    /** Reserves a request's estimate before it runs; false means answer 429. */
    synchronized boolean reserve(long estimate) {
        if (allowance < estimate) {
            long needed = estimate - allowance;
            Grant grant = repository.grant(subject, period, periodStart, limit, needed, needed + chunk);
            allowance += grant.tokens();
            if (allowance < estimate && !grant.last()) {
                return false;
            }
        }
        allowance -= estimate;
        return true;
    }

    /** Settles an admitted request with what it actually cost. */
    synchronized void settle(long estimate, long actual) {
        allowance += estimate - actual;
    }

    /** Returns an idle allowance to the shared budget. */
    synchronized void giveBackIdle() {
        if (allowance > 0) {
            repository.giveBack(subject, period, periodStart, allowance);
            allowance = 0;
        }
    }
}
