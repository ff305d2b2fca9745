package io.kiban.store.recorder;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link Recorder}.
 *
 * @param spoolDirectory where batches wait while the database is unavailable; under the server's data directory
 * @param queueCapacity entries held in memory before submits go straight to the spool
 * @param maxQueuedBytes approximate bytes (mostly bodies) held in memory before submits go straight to the spool;
 *     bounds the heap when requests carry large bodies such as images
 * @param maxBatchSize entries per transaction
 * @param maxBatchBytes approximate bytes per transaction (and per spool line); a single larger entry still
 *     forms a batch of its own
 * @param closeTimeout how long {@link Recorder#close()} keeps writing to the database before spooling the rest
 * @param maxRetryDelay the longest wait between attempts to reach an unavailable database (backoff from 100 ms)
 * @param maxSegmentBytes size at which a spool segment is rotated
 */
public record RecorderConfig(Path spoolDirectory, int queueCapacity, long maxQueuedBytes, int maxBatchSize,
        long maxBatchBytes, Duration closeTimeout, Duration maxRetryDelay, long maxSegmentBytes) {

    public RecorderConfig {
        Objects.requireNonNull(spoolDirectory, "spoolDirectory");
        Objects.requireNonNull(closeTimeout, "closeTimeout");
        Objects.requireNonNull(maxRetryDelay, "maxRetryDelay");
        if (queueCapacity < 1 || maxQueuedBytes < 1 || maxBatchSize < 1 || maxBatchBytes < 1
                || maxSegmentBytes < 1) {
            throw new IllegalArgumentException("capacities must be positive");
        }
    }

    /**
     * Defaults: 10,000 entries or 64 MiB queued, batches of 500 entries or 8 MiB, 10 s to drain on close, retries
     * at most every 2 s, 64 MiB spool segments.
     */
    public static RecorderConfig defaults(Path spoolDirectory) {
        return new RecorderConfig(spoolDirectory, 10_000, 64L << 20, 500, 8L << 20, Duration.ofSeconds(10),
                Duration.ofSeconds(2), 64L << 20);
    }

    public RecorderConfig withQueueCapacity(int entries, long bytes) {
        return new RecorderConfig(spoolDirectory, entries, bytes, maxBatchSize, maxBatchBytes, closeTimeout,
                maxRetryDelay, maxSegmentBytes);
    }

    public RecorderConfig withMaxBatch(int entries, long bytes) {
        return new RecorderConfig(spoolDirectory, queueCapacity, maxQueuedBytes, entries, bytes, closeTimeout,
                maxRetryDelay, maxSegmentBytes);
    }

    public RecorderConfig withCloseTimeout(Duration timeout) {
        return new RecorderConfig(spoolDirectory, queueCapacity, maxQueuedBytes, maxBatchSize, maxBatchBytes,
                timeout, maxRetryDelay, maxSegmentBytes);
    }

    public RecorderConfig withMaxRetryDelay(Duration delay) {
        return new RecorderConfig(spoolDirectory, queueCapacity, maxQueuedBytes, maxBatchSize, maxBatchBytes,
                closeTimeout, delay, maxSegmentBytes);
    }

    public RecorderConfig withMaxSegmentBytes(long bytes) {
        return new RecorderConfig(spoolDirectory, queueCapacity, maxQueuedBytes, maxBatchSize, maxBatchBytes,
                closeTimeout, maxRetryDelay, bytes);
    }
}
