package io.kiban.server.history;

import io.kiban.store.retention.RetentionPurger;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs the store's {@link RetentionPurger} once a minute after start and then every hour: history older than
 * {@code --history-retention-days} is deleted (bodies included), with old audit events, replay ids and quota
 * ledger rows. A failed purge (database down) is logged and retried at the next run.
 */
public final class RetentionSchedule implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RetentionSchedule.class.getName());

    private final RetentionPurger purger;
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "kiban-retention");
        t.setDaemon(true);
        return t;
    });

    public RetentionSchedule(RetentionPurger purger) {
        this.purger = purger;
    }

    public RetentionSchedule start() {
        scheduler.scheduleWithFixedDelay(this::purgeQuietly, 60, 3600, TimeUnit.SECONDS);
        return this;
    }

    /** Purges now; returns what was deleted. */
    public RetentionPurger.Result purgeNow() {
        return purger.purge();
    }

    private void purgeQuietly() {
        try {
            RetentionPurger.Result r = purger.purge();
            if (r.history() > 0 || r.audit() > 0) {
                LOG.log(System.Logger.Level.INFO, "retention: deleted {0} history records and {1} audit events",
                        r.history(), r.audit());
            }
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "retention purge failed; retrying in an hour: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
