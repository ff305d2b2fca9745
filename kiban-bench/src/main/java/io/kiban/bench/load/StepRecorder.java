package io.kiban.bench.load;

import io.kiban.bench.client.CallResult;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import org.HdrHistogram.Histogram;

/**
 * Collects the results of one step: HdrHistograms in microseconds (1 µs to 1 hour, 3 significant digits) and
 * counters. {@link #record} takes one lock per request (the ITL gaps of a stream are recorded in one batch), which
 * costs far less than the request itself.
 *
 * <p>Latency and TTFT are measured from the <em>intended</em> send time passed to {@link #record}: in an open loop a
 * request that waits because the system (or the generator) is behind is charged the wait, so no coordinated omission.
 */
public final class StepRecorder {
    private static final long MAX_MICROS = 3_600_000_000L;

    private final ReentrantLock lock = new ReentrantLock();
    private final Histogram latency = histogram();
    private final Histogram ttft = histogram();
    private final Histogram tpot = histogram();
    private final Histogram itl = histogram();
    private final Histogram ttfb = histogram();
    private final Histogram sendLag = histogram();
    private final Map<String, Long> failures = new TreeMap<>();
    private long ok;
    private long failed;
    private long promptTokens;
    private long completionTokens;
    private long cachedTokens;
    private long usageMissing;
    private long lastEnd;
    private volatile long startNanos;
    private boolean sealed;
    final AtomicInteger inFlight = new AtomicInteger();

    private static Histogram histogram() {
        return new Histogram(1, MAX_MICROS, 3);
    }

    /** Marks the start of the measured window. */
    public void start(long nanos) {
        startNanos = nanos;
    }

    public long startNanos() {
        return startNanos;
    }

    /** Records a finished request that was meant to be sent at {@code intendedNanos}. */
    public void record(CallResult r, long intendedNanos) {
        lock.lock();
        try {
            if (sealed) {
                return; // finished after the step gave up waiting; already counted as unfinished
            }
            lastEnd = Math.max(lastEnd, r.endNanos());
            if (!r.ok()) {
                failed++;
                failures.merge(r.failure(), 1L, Long::sum);
                return;
            }
            ok++;
            long total = r.endNanos() - intendedNanos;
            latency.recordValue(clamp(total / 1000));
            if (r.firstByteNanos() > 0) {
                ttfb.recordValue(clamp((r.firstByteNanos() - intendedNanos) / 1000));
            }
            sendLag.recordValue(clamp((r.sendNanos() - intendedNanos) / 1000));
            if (r.promptTokens() > 0) {
                promptTokens += r.promptTokens();
            }
            completionTokens += r.completionTokens();
            cachedTokens += r.cachedTokens();
            if (r.usageMissing()) {
                usageMissing++;
            }
            if (r.firstTokenNanos() > 0) {
                ttft.recordValue(clamp((r.firstTokenNanos() - intendedNanos) / 1000));
                if (r.completionTokens() > 1) {
                    tpot.recordValue(clamp((r.endNanos() - r.firstTokenNanos()) / 1000 / (r.completionTokens() - 1)));
                }
                int[] gaps = r.itlMicros();
                for (int i = 0; i < r.itlCount(); i++) {
                    itl.recordValue(clamp(gaps[i]));
                }
            }
        } finally {
            lock.unlock();
        }
    }

    private static long clamp(long micros) {
        return Math.max(0, Math.min(MAX_MICROS, micros));
    }

    /** Stops recording; {@code unfinished} requests still running are counted as failures of that kind. */
    public void seal(int unfinished) {
        lock.lock();
        try {
            sealed = true;
            if (unfinished > 0) {
                failed += unfinished;
                failures.merge("unfinished", (long) unfinished, Long::sum);
            }
        } finally {
            lock.unlock();
        }
    }

    /** A consistent snapshot of the counters for the progress line. */
    public Progress.Snapshot snapshot() {
        lock.lock();
        try {
            return new Progress.Snapshot(ok, failed, completionTokens, promptTokens + completionTokens, inFlight.get(),
                    latency.getTotalCount() == 0 ? 0 : latency.getValueAtPercentile(50) / 1e3);
        } finally {
            lock.unlock();
        }
    }

    /**
     * The step's result.
     *
     * @param cpuNanos CPU time of this process during the step; {@code sent} requests sent in it (warm-up included)
     */
    public StepResult result(String workload, String mode, int concurrency, double rate, boolean stream, long cpuNanos,
            long wallNanos, long sent) {
        lock.lock();
        try {
            double seconds = Math.max(1e-9, (lastEnd - startNanos) / 1e9);
            if (ok + failed == 0) {
                seconds = 0;
            }
            double div = seconds == 0 ? 1 : seconds;
            return new StepResult(workload, mode, concurrency, rate, stream, seconds, ok, failed, new TreeMap<>(failures),
                    promptTokens, completionTokens, cachedTokens, usageMissing, ok / div, completionTokens / div,
                    (promptTokens + completionTokens) / div, Stats.ofMicros(latency), Stats.ofMicros(ttft),
                    Stats.ofMicros(tpot), Stats.ofMicros(itl), Stats.ofMicros(ttfb), Stats.ofMicros(sendLag),
                    wallNanos <= 0 ? 0 : (double) cpuNanos / wallNanos, sent == 0 ? 0 : cpuNanos / 1e3 / sent);
        } finally {
            lock.unlock();
        }
    }
}
