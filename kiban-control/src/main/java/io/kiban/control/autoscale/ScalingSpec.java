package io.kiban.control.autoscale;

import java.time.Duration;
import java.util.Objects;

/**
 * The autoscaling policy of one deployment: replica bounds, the per-replica concurrency target, the two averaging
 * windows and the limits that shape how fast the replica count may move.
 *
 * <p>The defaults follow Knative's KPA ({@code config-autoscaler}): a 60 s stable window, a 6 s panic window, panic at
 * 200 % of the ready capacity, scale up by at most 1000× and down by at most 2× the ready replicas per decision, a
 * 30 s scale-to-zero grace period and one replica to start from zero. Knative's default scale-down delay is 0; ours is
 * the same, but a deployment whose replicas take long to start (LLM weights) should set one.
 *
 * @param minReplicas fewest replicas, even without traffic; 0 allows scale to zero
 * @param maxReplicas most replicas; 0 disables the deployment (every decision is 0)
 * @param targetConcurrency in-flight plus waiting requests one replica should carry on average, typically its slot
 *     count (llama.cpp {@code --parallel}) or a little below it; positive
 * @param stableWindow the window whose average concurrency drives ordinary decisions
 * @param panicWindow the shorter window that detects bursts; at most {@code stableWindow}
 * @param panicThreshold the ratio of replicas wanted by the panic window to ready replicas at or above which the
 *     decider panics; at least 1 (2.0 = 200 %)
 * @param maxScaleUpRate a decision asks for at most {@code ceil(rate × max(1, ready))} replicas; above 1
 * @param maxScaleDownRate a decision asks for at least {@code floor(ready / rate)} replicas; above 1
 * @param scaleDownDelay a decision is the largest recommendation of this trailing window, so load must stay low this
 *     long before replicas go away; zero turns the delay off
 * @param scaleToZeroGrace how long the last replica stays after the recommendation first drops to zero (with {@code
 *     minReplicas} 0)
 * @param activationScale fewest replicas while the deployment is active, so the step up from zero starts this many
 *     at once; at least 1
 */
public record ScalingSpec(
        int minReplicas,
        int maxReplicas,
        double targetConcurrency,
        Duration stableWindow,
        Duration panicWindow,
        double panicThreshold,
        double maxScaleUpRate,
        double maxScaleDownRate,
        Duration scaleDownDelay,
        Duration scaleToZeroGrace,
        int activationScale) {

    public static final Duration DEFAULT_STABLE_WINDOW = Duration.ofSeconds(60);
    public static final Duration DEFAULT_PANIC_WINDOW = Duration.ofSeconds(6);
    public static final double DEFAULT_PANIC_THRESHOLD = 2.0;
    public static final double DEFAULT_MAX_SCALE_UP_RATE = 1000.0;
    public static final double DEFAULT_MAX_SCALE_DOWN_RATE = 2.0;
    public static final Duration DEFAULT_SCALE_DOWN_DELAY = Duration.ZERO;
    public static final Duration DEFAULT_SCALE_TO_ZERO_GRACE = Duration.ofSeconds(30);
    public static final int DEFAULT_ACTIVATION_SCALE = 1;

    /** Longest window or delay accepted; keeps every duration well inside {@code long} nanoseconds. */
    static final Duration MAX_DURATION = Duration.ofDays(7);

    public ScalingSpec {
        Objects.requireNonNull(stableWindow, "stableWindow");
        Objects.requireNonNull(panicWindow, "panicWindow");
        Objects.requireNonNull(scaleDownDelay, "scaleDownDelay");
        Objects.requireNonNull(scaleToZeroGrace, "scaleToZeroGrace");
        require(minReplicas >= 0, "minReplicas must be >= 0, got " + minReplicas);
        require(maxReplicas >= minReplicas,
                "maxReplicas must be >= minReplicas (" + minReplicas + "), got " + maxReplicas);
        require(targetConcurrency > 0 && Double.isFinite(targetConcurrency),
                "targetConcurrency must be a positive number, got " + targetConcurrency);
        require(positive(stableWindow), "stableWindow must be positive and at most 7 days, got " + stableWindow);
        require(positive(panicWindow) && panicWindow.compareTo(stableWindow) <= 0,
                "panicWindow must be positive and at most stableWindow (" + stableWindow + "), got " + panicWindow);
        require(panicThreshold >= 1.0 && Double.isFinite(panicThreshold),
                "panicThreshold must be >= 1.0 (a ratio, 2.0 = 200%), got " + panicThreshold);
        require(maxScaleUpRate > 1.0 && Double.isFinite(maxScaleUpRate),
                "maxScaleUpRate must be > 1.0, got " + maxScaleUpRate);
        require(maxScaleDownRate > 1.0 && Double.isFinite(maxScaleDownRate),
                "maxScaleDownRate must be > 1.0, got " + maxScaleDownRate);
        require(nonNegative(scaleDownDelay), "scaleDownDelay must be >= 0 and at most 7 days, got " + scaleDownDelay);
        require(nonNegative(scaleToZeroGrace),
                "scaleToZeroGrace must be >= 0 and at most 7 days, got " + scaleToZeroGrace);
        require(activationScale >= 1, "activationScale must be >= 1, got " + activationScale);
    }

    /** A spec with the given bounds and target and every other field at its Knative default. */
    public static ScalingSpec of(int minReplicas, int maxReplicas, double targetConcurrency) {
        return new ScalingSpec(minReplicas, maxReplicas, targetConcurrency, DEFAULT_STABLE_WINDOW,
                DEFAULT_PANIC_WINDOW, DEFAULT_PANIC_THRESHOLD, DEFAULT_MAX_SCALE_UP_RATE,
                DEFAULT_MAX_SCALE_DOWN_RATE, DEFAULT_SCALE_DOWN_DELAY, DEFAULT_SCALE_TO_ZERO_GRACE,
                DEFAULT_ACTIVATION_SCALE);
    }

    public ScalingSpec withWindows(Duration stable, Duration panic) {
        return new ScalingSpec(minReplicas, maxReplicas, targetConcurrency, stable, panic, panicThreshold,
                maxScaleUpRate, maxScaleDownRate, scaleDownDelay, scaleToZeroGrace, activationScale);
    }

    public ScalingSpec withRates(double up, double down) {
        return new ScalingSpec(minReplicas, maxReplicas, targetConcurrency, stableWindow, panicWindow,
                panicThreshold, up, down, scaleDownDelay, scaleToZeroGrace, activationScale);
    }

    public ScalingSpec withScaleDownDelay(Duration delay) {
        return new ScalingSpec(minReplicas, maxReplicas, targetConcurrency, stableWindow, panicWindow,
                panicThreshold, maxScaleUpRate, maxScaleDownRate, delay, scaleToZeroGrace, activationScale);
    }

    public ScalingSpec withScaleToZeroGrace(Duration grace) {
        return new ScalingSpec(minReplicas, maxReplicas, targetConcurrency, stableWindow, panicWindow,
                panicThreshold, maxScaleUpRate, maxScaleDownRate, scaleDownDelay, grace, activationScale);
    }

    public ScalingSpec withActivationScale(int replicas) {
        return new ScalingSpec(minReplicas, maxReplicas, targetConcurrency, stableWindow, panicWindow,
                panicThreshold, maxScaleUpRate, maxScaleDownRate, scaleDownDelay, scaleToZeroGrace, replicas);
    }

    private static boolean positive(Duration d) {
        return d.isPositive() && d.compareTo(MAX_DURATION) <= 0;
    }

    private static boolean nonNegative(Duration d) {
        return !d.isNegative() && d.compareTo(MAX_DURATION) <= 0;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
