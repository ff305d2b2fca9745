package io.kiban.store.recorder;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link Recorder}.
 *
 * @param spoolDirectory where batches wait while the database is unavailable; under the server's data directory
 * @param queueCapacity entries held in memory before submits go straight to the spool
 * @param maxBatchSize entries per transaction
 * @param closeTimeout how long {@link Recorder#close()} keeps writing to the database before spooling the rest
 * @param maxRetryDelay the longest wait between attempts to reach an unavailable database (backoff from 100 ms)
 * @param maxSegmentBytes size at which a spool segment is rotated
 */
public record RecorderConfig(Path spoolDirectory, int queueCapacity, int maxBatchSize, Duration closeTimeout,
        Duration maxRetryDelay, long maxSegmentBytes) {

    public RecorderConfig {
        Objects.requireNonNull(spoolDirectory, "spoolDirectory");
        Objects.requireNonNull(closeTimeout, "closeTimeout");
        Objects.requireNonNull(maxRetryDelay, "maxRetryDelay");
        if (queueCapacity < 1 || maxBatchSize < 1 || maxSegmentBytes < 1) {
            throw new IllegalArgumentException("capacities must be positive");
        }
    }

    /** Defaults: 10,000 queued entries, batches of 500, 10 s to drain on close, retries at most every 2 s. */
    public static RecorderConfig defaults(Path spoolDirectory) {
        return new RecorderConfig(spoolDirectory, 10_000, 500, Duration.ofSeconds(10), Duration.ofSeconds(2),
                64L * 1024 * 1024);
    }

    public RecorderConfig withQueueCapacity(int capacity) {
        return new RecorderConfig(spoolDirectory, capacity, maxBatchSize, closeTimeout, maxRetryDelay,
                maxSegmentBytes);
    }

    public RecorderConfig withMaxBatchSize(int size) {
        return new RecorderConfig(spoolDirectory, queueCapacity, size, closeTimeout, maxRetryDelay,
                maxSegmentBytes);
    }

    public RecorderConfig withCloseTimeout(Duration timeout) {
        return new RecorderConfig(spoolDirectory, queueCapacity, maxBatchSize, timeout, maxRetryDelay,
                maxSegmentBytes);
    }

    public RecorderConfig withMaxRetryDelay(Duration delay) {
        return new RecorderConfig(spoolDirectory, queueCapacity, maxBatchSize, closeTimeout, delay,
                maxSegmentBytes);
    }

    public RecorderConfig withMaxSegmentBytes(long bytes) {
        return new RecorderConfig(spoolDirectory, queueCapacity, maxBatchSize, closeTimeout, maxRetryDelay, bytes);
    }
}
