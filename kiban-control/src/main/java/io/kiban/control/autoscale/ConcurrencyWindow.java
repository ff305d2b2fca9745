package io.kiban.control.autoscale;

import java.time.Duration;
import java.util.Arrays;

/**
 * A time-weighted record of one deployment's concurrency (in-flight plus waiting requests) that answers "what was
 * the average over the last N seconds?" for any N up to a fixed maximum.
 *
 * <h2>Implementation notes</h2>
 *
 * <p><b>Model.</b> Concurrency is a step function: {@link #record} says "from {@code nowNanos} on, the value is
 * {@code concurrency}". The window integrates that function into fixed-width buckets (1 s by default), each holding
 * {@code value × nanoseconds} for its slice of time, in a ring just large enough for the longest window. The average
 * over a window is the integral over {@code [now - window, now]} divided by its length, so it is the same whether the
 * gateway records on every change (exact) or samples now and then (a step approximation). Recording at a high rate
 * costs nothing extra: only bucket boundaries crossed since the last record are touched.
 *
 * <p><b>Partial buckets.</b> The oldest bucket of a window usually straddles its start; its share is taken in
 * proportion to the overlapping time, which is exact when the value did not change inside that bucket. Before the
 * window has been running for a full window length, the average covers the time since the first record, so a fresh
 * deployment is not judged as if it had been idle before it existed (Knative averages only the buckets it has).
 *
 * <p><b>Time.</b> Readings are {@link System#nanoTime()}-style and only subtracted, so any origin works. A reading
 * earlier than the previous one (two threads reading the clock, then racing for the lock) is treated as equal to it.
 * After a long silence the loop that catches up is bounded by the ring size, not by the silence.
 *
 * <p><b>Concurrency.</b> Every method is {@code synchronized}; each is O(1) amortised (O(ring size) at worst for
 * {@link #average}) and allocates nothing, so gateway threads can record on every request start and finish.
 */
public final class ConcurrencyWindow {

    /** The default bucket width, as in Knative. */
    public static final Duration DEFAULT_BUCKET = Duration.ofSeconds(1);

    private final long bucketNanos;
    private final long maxWindowNanos;
    /** Concurrency × nanoseconds per bucket; slot {@code i % n} holds bucket {@code i} when {@code index[slot] == i}. */
    private final double[] area;
    private final long[] index;

    private boolean started;
    /** The first record; buckets are counted from here so that bucket numbers never overflow. */
    private long originNanos;
    private long lastNanos;
    private int lastValue;

    /** A window that can average over up to {@code maxWindow} with {@link #DEFAULT_BUCKET} resolution. */
    public ConcurrencyWindow(Duration maxWindow) {
        this(maxWindow, DEFAULT_BUCKET);
    }

    /**
     * A window that can average over up to {@code maxWindow}, integrating into buckets of width {@code bucket}.
     *
     * @param maxWindow the longest window {@link #average} will be asked for (the stable window)
     * @param bucket the bucket width; smaller is more precise at the start of a window and uses more memory
     */
    public ConcurrencyWindow(Duration maxWindow, Duration bucket) {
        if (!bucket.isPositive() || maxWindow.compareTo(bucket) < 0
                || maxWindow.compareTo(ScalingSpec.MAX_DURATION) > 0) {
            throw new IllegalArgumentException(
                    "need 0 < bucket <= maxWindow <= 7 days, got bucket " + bucket + ", maxWindow " + maxWindow);
        }
        this.bucketNanos = bucket.toNanos();
        this.maxWindowNanos = maxWindow.toNanos();
        long slots = Math.ceilDiv(maxWindowNanos, bucketNanos) + 1;
        if (slots > 1_000_000) {
            throw new IllegalArgumentException("maxWindow / bucket is too fine: " + slots + " buckets");
        }
        this.area = new double[(int) slots];
        this.index = new long[(int) slots];
        Arrays.fill(index, -1);
    }

    /**
     * Records that the concurrency is {@code concurrency} from {@code nowNanos} on.
     *
     * @param nowNanos the current {@link System#nanoTime()}-style reading
     * @param concurrency in-flight plus waiting requests of the deployment, {@code >= 0}
     */
    public synchronized void record(long nowNanos, int concurrency) {
        if (concurrency < 0) {
            throw new IllegalArgumentException("concurrency must be >= 0, got " + concurrency);
        }
        advance(nowNanos);
        lastValue = concurrency;
    }

    /**
     * The time-weighted average concurrency over the last {@code window} before {@code nowNanos}, or over the time
     * since the first record if that is shorter; 0 before anything was recorded.
     *
     * @param nowNanos the current reading
     * @param window how far back to average; at most the {@code maxWindow} given to the constructor
     */
    public synchronized double average(long nowNanos, Duration window) {
        long windowNanos = window.toNanos();
        if (windowNanos <= 0 || windowNanos > maxWindowNanos) {
            throw new IllegalArgumentException(
                    "window must be positive and at most " + Duration.ofNanos(maxWindowNanos) + ", got " + window);
        }
        if (!started) {
            return 0;
        }
        advance(nowNanos);
        long now = lastNanos - originNanos;
        long from = Math.max(0, now - windowNanos);
        if (now == from) {
            return lastValue;
        }
        double sum = 0;
        for (long b = from / bucketNanos, last = (now - 1) / bucketNanos; b <= last; b++) {
            int slot = (int) (b % area.length);
            if (index[slot] != b) {
                continue;
            }
            long bucketStart = b * bucketNanos;
            long covered = Math.min(bucketStart + bucketNanos, now) - bucketStart;
            long wanted = Math.min(bucketStart + bucketNanos, now) - Math.max(bucketStart, from);
            sum += wanted == covered ? area[slot] : area[slot] * ((double) wanted / covered);
        }
        return sum / (now - from);
    }

    /** Integrates the current value from the last reading up to {@code nowNanos}. */
    private void advance(long nowNanos) {
        if (!started) {
            started = true;
            originNanos = nowNanos;
            lastNanos = nowNanos;
            return;
        }
        long to = nowNanos - originNanos;
        long t = lastNanos - originNanos;
        if (to <= t) {
            return; // a reading from the past (racing threads): nothing to integrate
        }
        lastNanos = nowNanos;
        if (lastValue == 0) {
            return; // zero adds nothing; buckets not written since are read as zero
        }
        // Only the last ring's worth of time can still be read; skip the rest of a long silence.
        long earliest = (to / bucketNanos - (area.length - 1)) * bucketNanos;
        if (t < earliest) {
            t = earliest;
        }
        while (t < to) {
            long b = t / bucketNanos;
            long end = Math.min((b + 1) * bucketNanos, to);
            int slot = (int) (b % area.length);
            if (index[slot] != b) {
                index[slot] = b;
                area[slot] = 0;
            }
            area[slot] += (double) lastValue * (end - t);
            t = end;
        }
    }
}
