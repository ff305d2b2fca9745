package io.kiban.worker;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Admits at most {@code slots} requests to the engine at once and lets at most {@code queueCapacity} more wait;
 * beyond that a request is refused at once with 429 and a {@code Retry-After}.
 *
 * <p>The queue is the semaphore's wait set (fair, so first come, first served). {@code waiting} is incremented
 * before blocking so the bound holds under races: two threads can both pass the check only if there was room for
 * both.
 */
public final class Admission {
    private final Semaphore slots;
    private final int slotCount;
    private final int queueCapacity;
    private final AtomicInteger waiting = new AtomicInteger();
    private final Duration retryAfter;

    public Admission(int slotCount, int queueCapacity, Duration retryAfter) {
        this.slotCount = slotCount;
        this.slots = new Semaphore(slotCount, true);
        this.queueCapacity = queueCapacity;
        this.retryAfter = retryAfter;
    }

    /** A held slot; closing it lets the next queued request in. */
    public interface Permit extends AutoCloseable {
        @Override
        void close();
    }

    public Permit acquire() throws InterruptedException {
        if (slots.tryAcquire()) {
            return slots::release;
        }
        if (waiting.incrementAndGet() > queueCapacity) {
            waiting.decrementAndGet();
            throw new ApiException(new ApiError.RateLimited(
                    "The model is busy: all " + slotCount + " slots are generating and the queue of " + queueCapacity
                            + " is full. Retry after the time in the Retry-After header.",
                    "overloaded", retryAfter));
        }
        try {
            slots.acquire();
        } finally {
            waiting.decrementAndGet();
        }
        return slots::release;
    }

    public int busy() {
        return slotCount - slots.availablePermits();
    }

    public int queued() {
        return waiting.get();
    }

    public int slots() {
        return slotCount;
    }
}
