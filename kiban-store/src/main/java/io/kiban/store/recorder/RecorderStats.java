package io.kiban.store.recorder;

/**
 * A snapshot of the Recorder's counters, for health endpoints and gauges.
 *
 * @param queueDepth entries waiting in memory
 * @param spoolPendingEntries entries in the spool waiting for the database
 * @param submitted entries accepted since start
 * @param written entries committed to the database since start (directly or from the spool)
 * @param spooled entries parked in the spool since start
 * @param rejected entries the database refused as invalid, kept in {@code rejected.log}
 * @param lastWriteNanos duration of the last committed batch transaction
 * @param databaseAvailable false while the writer is backing off from an unavailable database
 */
public record RecorderStats(long queueDepth, long spoolPendingEntries, long submitted, long written, long spooled,
        long rejected, long lastWriteNanos, boolean databaseAvailable) {}
