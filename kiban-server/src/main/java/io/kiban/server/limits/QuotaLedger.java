package io.kiban.server.limits;

import io.kiban.store.StoreException;
import io.kiban.store.quota.Grant;
import io.kiban.store.quota.Quota;
import io.kiban.store.quota.QuotaPeriod;
import io.kiban.store.quota.QuotaRepository;
import io.kiban.store.quota.QuotaSubject;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The request side of token quotas (per user and per project, per day and per month), enforced across every server
 * sharing the database with the store's grant ledger ({@link QuotaRepository#grant}).
 *
 * <h2>Implementation notes</h2>
 *
 * <p><b>Algorithm</b> (the store README's, made concurrent). Per subject × period × window this server holds an
 * allowance of tokens granted to it. A request reserves its estimate from the allowance in memory; only when the
 * allowance is short does it ask the ledger for the shortfall plus a chunk (5 % of the limit), under the entry's
 * lock, so concurrent requests of one subject ask once. The ledger hands out a period's last tokens once, marked
 * {@code last}; the request that gets them is admitted and may overshoot by at most its own estimate. Settling
 * gives back the unused part of the estimate (or charges the excess). Hence, across all servers: tokens consumed
 * in a window ≤ limit + one request's estimate, provided estimates are upper bounds.
 *
 * <p><b>Off the request path.</b> When an allowance falls below half a chunk after a reservation, the next chunk
 * is fetched in the background ({@code prefetch}), so a steady stream of requests rarely waits for the database.
 * Limits are reloaded every few seconds by {@link #maintain}; allowances idle for 30 s are given back so that
 * other servers can use them; entries of ended windows are dropped.
 *
 * <p><b>Database unavailable.</b> A grant that fails marks the ledger unavailable for two seconds; meanwhile
 * requests that their allowance cannot cover are refused at once with a 503 ({@code quota_unavailable}) instead of
 * waiting for the pool's timeout. Allowances already held keep being spent: fail-closed, bounded by one chunk per
 * server.
 *
 * <p><b>Known races</b>, as scenarios:
 * <ol>
 *   <li>A window ends while a request holds an allowance of the old window: it settles against the old entry,
 *       which is dropped afterwards; its refund is lost, which only makes the old window's count conservative.
 *   <li>A prefetch and a request grant at the same time for one entry: both grants are added to the allowance;
 *       the ledger row lock serialises them, so the limit still holds.
 *   <li>A limit is lowered below what was granted: no more grants; allowances already held can still be spent.
 * </ol>
 */
final class QuotaLedger {
    private static final System.Logger LOG = System.getLogger(QuotaLedger.class.getName());
    private static final long IDLE_MILLIS = 30_000;
    private static final long UNAVAILABLE_MILLIS = 2_000;

    private final QuotaRepository repository;
    private final Clock clock;
    private final ZoneId zone;
    private final Executor background;
    private final ConcurrentHashMap<WindowKey, Entry> entries = new ConcurrentHashMap<>();
    private volatile Map<QuotaSubject, Map<QuotaPeriod, Long>> limits = Map.of();
    private volatile long unavailableUntilMillis;

    /** Why a reservation was refused. */
    static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        final transient QuotaSubject subject;
        final transient QuotaPeriod period;
        final long limit;
        final transient Instant resetAt;
        final boolean unavailable;

        Refused(QuotaSubject subject, QuotaPeriod period, long limit, Instant resetAt, boolean unavailable) {
            super(null, null, false, false);
            this.subject = subject;
            this.period = period;
            this.limit = limit;
            this.resetAt = resetAt;
            this.unavailable = unavailable;
        }
    }

    private record WindowKey(QuotaSubject subject, QuotaPeriod period, Instant start) {}

    /** This server's allowance for one subject, period and window. */
    static final class Entry {
        final QuotaSubject subject;
        final QuotaPeriod period;
        final Instant start;
        final Instant resetAt;
        final ReentrantLock lock = new ReentrantLock();
        long allowance; // guarded by lock; negative after the window's overshooting last request
        long lastUseMillis; // guarded by lock
        boolean prefetching; // guarded by lock

        Entry(QuotaSubject subject, QuotaPeriod period, Instant start, Instant resetAt) {
            this.subject = subject;
            this.period = period;
            this.start = start;
            this.resetAt = resetAt;
        }
    }

    QuotaLedger(QuotaRepository repository, Clock clock, ZoneId zone, Executor background) {
        this.repository = repository;
        this.clock = clock;
        this.zone = zone;
        this.background = background;
    }

    /** Loads the limits from the database; on failure keeps the last ones and returns false. */
    boolean reloadLimits() {
        try {
            Map<QuotaSubject, Map<QuotaPeriod, Long>> next = new HashMap<>();
            for (Quota q : repository.all()) {
                next.computeIfAbsent(q.subject(), s -> new EnumMap<>(QuotaPeriod.class)).put(q.period(), q.tokenLimit());
            }
            limits = Map.copyOf(next);
            return true;
        } catch (StoreException e) {
            LOG.log(System.Logger.Level.WARNING, "could not reload quotas; keeping the last ones: " + e.getMessage());
            return false;
        }
    }

    /** Whether any quota applies to the subject (a map lookup: the request path's fast exit). */
    boolean applies(QuotaSubject subject) {
        return subject != null && limits.containsKey(subject);
    }

    /** The subject's limits by period, empty if none. */
    Map<QuotaPeriod, Long> limitsOf(QuotaSubject subject) {
        return limits.getOrDefault(subject, Map.of());
    }

    /**
     * Reserves {@code estimate} tokens from every quota of the subjects, or none of them.
     *
     * @return the entries reserved from, to settle later
     * @throws Refused naming the first quota that refused
     */
    List<Entry> reserve(List<QuotaSubject> subjects, long estimate) throws Refused {
        Instant now = clock.instant();
        List<Entry> held = new ArrayList<>(4);
        try {
            for (QuotaSubject subject : subjects) {
                for (Map.Entry<QuotaPeriod, Long> q : limitsOf(subject).entrySet()) {
                    Entry e = entry(subject, q.getKey(), now);
                    reserve(e, q.getValue(), estimate, now);
                    held.add(e);
                }
            }
            return held;
        } catch (Refused r) {
            release(held, estimate);
            throw r;
        }
    }

    private void reserve(Entry e, long limit, long estimate, Instant now) throws Refused {
        long chunk = Math.max(1, limit / 20);
        e.lock.lock();
        try {
            e.lastUseMillis = now.toEpochMilli();
            if (e.allowance < estimate) {
                if (now.toEpochMilli() < unavailableUntilMillis) {
                    throw new Refused(e.subject, e.period, limit, e.resetAt, true);
                }
                long needed = estimate - e.allowance; // a negative allowance (debt) is covered first
                Grant g;
                try {
                    g = repository.grant(e.subject, e.period, e.start, limit, needed, needed + chunk);
                } catch (StoreException failure) {
                    unavailableUntilMillis = clock.millis() + UNAVAILABLE_MILLIS;
                    LOG.log(System.Logger.Level.WARNING, "quota grant failed: " + failure.getMessage());
                    throw new Refused(e.subject, e.period, limit, e.resetAt, true);
                }
                e.allowance += g.tokens();
                if (e.allowance < estimate && !g.last()) {
                    throw new Refused(e.subject, e.period, limit, e.resetAt, false);
                }
            }
            e.allowance -= estimate;
            if (e.allowance < chunk / 2 && !e.prefetching && now.toEpochMilli() >= unavailableUntilMillis) {
                e.prefetching = true;
                background.execute(() -> prefetch(e, limit, chunk));
            }
        } finally {
            e.lock.unlock();
        }
    }

    private void prefetch(Entry e, long limit, long chunk) {
        long tokens = 0;
        try {
            tokens = repository.grant(e.subject, e.period, e.start, limit, 0, chunk).tokens();
        } catch (StoreException failure) {
            unavailableUntilMillis = clock.millis() + UNAVAILABLE_MILLIS;
        } catch (RuntimeException failure) {
            LOG.log(System.Logger.Level.ERROR, "quota prefetch failed", failure);
        }
        e.lock.lock();
        try {
            e.allowance += tokens;
            e.prefetching = false;
        } finally {
            e.lock.unlock();
        }
    }

    /** Settles reservations: gives back {@code estimate - actual}, or keeps the estimate when actual is -1. */
    void settle(List<Entry> held, long estimate, long actual) {
        if (actual < 0) {
            return;
        }
        for (Entry e : held) {
            e.lock.lock();
            try {
                e.allowance += estimate - actual;
            } finally {
                e.lock.unlock();
            }
        }
    }

    /** Gives back whole reservations of a request that did not run. */
    void release(List<Entry> held, long estimate) {
        settle(held, estimate, 0);
    }

    private Entry entry(QuotaSubject subject, QuotaPeriod period, Instant now) {
        Instant start = period.start(now, zone);
        var key = new WindowKey(subject, period, start);
        Entry e = entries.get(key);
        return e != null ? e : entries.computeIfAbsent(key, k -> new Entry(subject, period, start, period.resetAt(now, zone)));
    }

    /**
     * Periodic upkeep: reloads limits, gives back allowances idle for 30 s, drops entries of ended windows. Runs on
     * a background thread; database calls happen outside the entries' locks.
     */
    void maintain() {
        reloadLimits();
        Instant now = clock.instant();
        for (Map.Entry<WindowKey, Entry> item : entries.entrySet()) {
            Entry e = item.getValue();
            if (!e.resetAt.isAfter(now)) {
                entries.remove(item.getKey(), e);
                continue;
            }
            long back = 0;
            e.lock.lock();
            try {
                if (now.toEpochMilli() - e.lastUseMillis > IDLE_MILLIS && e.allowance > 0 && !e.prefetching) {
                    back = e.allowance;
                    e.allowance = 0;
                }
            } finally {
                e.lock.unlock();
            }
            if (back > 0 && !giveBack(e, back)) {
                e.lock.lock();
                try {
                    e.allowance += back;
                } finally {
                    e.lock.unlock();
                }
            }
        }
    }

    /** Gives every allowance back (at shutdown), best effort. */
    void giveBackAll() {
        for (Entry e : entries.values()) {
            long back;
            e.lock.lock();
            try {
                back = Math.max(0, e.allowance);
                e.allowance -= back;
            } finally {
                e.lock.unlock();
            }
            if (back > 0) {
                giveBack(e, back);
            }
        }
    }

    private boolean giveBack(Entry e, long tokens) {
        try {
            repository.giveBack(e.subject, e.period, e.start, tokens);
            return true;
        } catch (StoreException failure) {
            LOG.log(System.Logger.Level.WARNING, "could not give back an idle quota allowance: " + failure.getMessage());
            return false;
        }
    }

    ZoneId zone() {
        return zone;
    }
}
