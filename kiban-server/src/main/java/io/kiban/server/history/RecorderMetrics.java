package io.kiban.server.history;

import io.kiban.store.recorder.Recorder;
import io.kiban.store.recorder.RecorderListener;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The Recorder's health as Prometheus metrics: {@code kiban_recorder_written_total},
 * {@code kiban_recorder_spooled_total{reason}}, {@code kiban_recorder_replayed_total},
 * {@code kiban_recorder_rejected_total}, {@code kiban_recorder_queue_entries}, {@code kiban_recorder_spool_entries},
 * {@code kiban_recorder_database_available} and the batch write time.
 */
public final class RecorderMetrics implements RecorderListener {
    private static final System.Logger LOG = System.getLogger(RecorderMetrics.class.getName());

    private final MeterRegistry registry;
    private final Counter written;
    private final Counter replayed;
    private final Counter rejected;
    private final io.micrometer.core.instrument.Timer batch;

    public RecorderMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.written = Counter.builder("kiban_recorder_written").description("History, usage and audit entries "
                + "committed by the recorder").register(registry);
        this.replayed = Counter.builder("kiban_recorder_replayed").description("Entries replayed from the spool")
                .register(registry);
        this.rejected = Counter.builder("kiban_recorder_rejected").description("Entries the database refused, kept "
                + "in rejected.log").register(registry);
        this.batch = io.micrometer.core.instrument.Timer.builder("kiban_recorder_batch_duration")
                .description("Time to commit one recorder batch").register(registry);
    }

    /** Registers the gauges that read the recorder's counters. */
    public void bind(Supplier<Recorder> recorder) {
        Gauge.builder("kiban_recorder_queue_entries", () -> recorder.get().stats().queueDepth()).register(registry);
        Gauge.builder("kiban_recorder_spool_entries", () -> recorder.get().stats().spoolPendingEntries()).register(registry);
        Gauge.builder("kiban_recorder_database_available",
                () -> recorder.get().stats().databaseAvailable() ? 1 : 0).register(registry);
    }

    @Override
    public void written(int entries, Duration latency) {
        written.increment(entries);
        batch.record(latency.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void spooled(int entries, String reason) {
        registry.counter("kiban_recorder_spooled", "reason", reason).increment(entries);
    }

    @Override
    public void replayed(int entries) {
        replayed.increment(entries);
    }

    @Override
    public void rejected(int entries, Exception cause) {
        rejected.increment(entries);
    }

    @Override
    public void databaseUnavailable(Exception cause) {
        LOG.log(System.Logger.Level.WARNING, "database unavailable: history, usage and audit go to the spool");
    }

    @Override
    public void databaseRecovered(Duration outage) {
        LOG.log(System.Logger.Level.WARNING, "database reachable again after {0} s; replaying the spool",
                outage.toSeconds());
    }
}
