package io.kiban.server.limits;

/**
 * A token bucket: holds up to {@code capacity} units and refills continuously at {@code capacity} per
 * {@code period}, so a full bucket allows a burst of {@code capacity} and then {@code capacity} per period. This is
 * how OpenAI describes its per-minute limits ("replenished continuously") and what its {@code x-ratelimit-reset-*}
 * headers mean: the time until the bucket is full again.
 *
 * <p>Pure and not thread-safe: the caller holds a lock and passes the time in ({@code nowNanos} on any monotonic
 * scale), so tests step time instead of sleeping. The level may go below zero when a request turns out to cost more
 * than it reserved; the debt is repaid by the refill before anything else fits.
 */
final class TokenBucket {
    private final long periodNanos;
    private double capacity;
    private double level;
    private long lastNanos;

    TokenBucket(long capacity, long periodNanos, long nowNanos) {
        this.periodNanos = periodNanos;
        this.capacity = capacity;
        this.level = capacity;
        this.lastNanos = nowNanos;
    }

    /** Follows a changed limit; the level is kept, but never above the new capacity. */
    void capacity(long newCapacity) {
        if (newCapacity != capacity) {
            capacity = newCapacity;
            level = Math.min(level, capacity);
        }
    }

    long capacity() {
        return (long) capacity;
    }

    /** Takes {@code amount} if the bucket holds that much now; false (and nothing taken) otherwise. */
    boolean tryTake(double amount, long nowNanos) {
        refill(nowNanos);
        if (level < amount) {
            return false;
        }
        level -= amount;
        return true;
    }

    /** Puts back {@code amount} (never above capacity); a negative amount charges the bucket, possibly into debt. */
    void give(double amount, long nowNanos) {
        refill(nowNanos);
        level = Math.min(capacity, level + amount);
    }

    /** Whole units available now. */
    long remaining(long nowNanos) {
        refill(nowNanos);
        return Math.max(0, (long) Math.floor(level));
    }

    /** Nanoseconds until {@code amount} is available (0 if it is now; Long.MAX_VALUE if it never fits). */
    long nanosUntil(double amount, long nowNanos) {
        refill(nowNanos);
        if (level >= amount) {
            return 0;
        }
        if (amount > capacity) {
            return Long.MAX_VALUE;
        }
        return (long) Math.ceil((amount - level) * periodNanos / capacity);
    }

    /** Nanoseconds until the bucket is full again. */
    long nanosUntilFull(long nowNanos) {
        return capacity <= 0 ? 0 : nanosUntil(capacity, nowNanos);
    }

    /** Whether the bucket is full (an idle key's state can then be forgotten). */
    boolean full(long nowNanos) {
        refill(nowNanos);
        return level >= capacity;
    }

    private void refill(long nowNanos) {
        long elapsed = nowNanos - lastNanos;
        if (elapsed > 0) {
            level = Math.min(capacity, level + capacity * elapsed / periodNanos);
            lastNanos = nowNanos;
        }
    }
}
