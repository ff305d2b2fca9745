package io.kiban.control.autoscale;

import java.util.List;

/**
 * The memory a {@link KpaDecider} carries from one decision to the next: panic mode, the recent recommendations the
 * scale-down delay looks back over, and when the deployment last had traffic.
 *
 * <p>Immutable; each decision returns a new one. Times are {@link System#nanoTime()}-style readings and are only ever
 * subtracted from one another, so any origin works, including one near {@code Long.MAX_VALUE}. {@link #NEVER} marks
 * an unset time.
 *
 * @param panicSinceNanos when the current panic began, or {@link #NEVER} when not panicking
 * @param lastOverThresholdNanos the last decision whose panic-window demand reached the threshold (panic ends a
 *     stable window after it), or {@link #NEVER}
 * @param maxPanicReplicas the largest count asked for during the current panic; 0 when not panicking
 * @param recent recommendations inside the scale-down delay window, oldest first, with strictly decreasing replica
 *     counts (a newer, larger recommendation makes older, smaller ones irrelevant), so the first is the window's
 *     maximum; at most {@code maxReplicas + 1} entries
 * @param lastActiveNanos the last decision that recommended replicas or saw a waiting request, or {@link #NEVER};
 *     the scale-to-zero grace period counts from here
 */
public record KpaState(
        long panicSinceNanos,
        long lastOverThresholdNanos,
        int maxPanicReplicas,
        List<Recommendation> recent,
        long lastActiveNanos) {

    /** Marks a time that has not happened. */
    public static final long NEVER = Long.MIN_VALUE;

    public KpaState {
        recent = List.copyOf(recent);
    }

    /**
     * The state of a deployment created (or taken over by a new leader) at {@code nowNanos}: not panicking, no
     * history, and active now, so a deployment that starts with replicas but no traffic keeps them for the grace
     * period before scaling to zero.
     */
    public static KpaState initial(long nowNanos) {
        return new KpaState(NEVER, NEVER, 0, List.of(), nowNanos);
    }

    /** Whether the decider is in panic mode. */
    public boolean panicking() {
        return panicSinceNanos != NEVER;
    }

    /**
     * One replica count recommended at one time, remembered for the scale-down delay.
     *
     * @param atNanos when it was recommended
     * @param replicas what was recommended
     */
    public record Recommendation(long atNanos, int replicas) {}

    @Override
    public String toString() {
        return "KpaState[panicSince=" + (panicking() ? panicSinceNanos : "never") + ", maxPanicReplicas="
                + maxPanicReplicas + ", recent=" + recent + ", lastActive="
                + (lastActiveNanos == NEVER ? "never" : lastActiveNanos) + "]";
    }
}
