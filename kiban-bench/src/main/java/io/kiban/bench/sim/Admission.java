package io.kiban.bench.sim;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A replica's concurrency slots with a bounded waiting queue: at most {@code maxConcurrency} requests generate at
 * once, at most {@code maxQueue} more wait (first come, first served), and any beyond that are rejected (the
 * simulator answers 429). {@code maxConcurrency = 0} means unlimited, and then nothing ever waits.
 */
final class Admission {
    private final int maxConcurrency;
    private final int maxQueue;
    private final Semaphore slots;
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicInteger active = new AtomicInteger();

    Admission(int maxConcurrency, int maxQueue) {
        if (maxConcurrency < 0 || maxQueue < 0) {
            throw new IllegalArgumentException("maxConcurrency and maxQueue must be >= 0");
        }
        this.maxConcurrency = maxConcurrency;
        this.maxQueue = maxQueue;
        this.slots = maxConcurrency == 0 ? null : new Semaphore(maxConcurrency, true);
    }

    /** Takes a slot, waiting in the queue if needed; false when the queue is full. */
    boolean acquire() throws InterruptedException {
        // tryAcquire(0, unit) honours fairness; plain tryAcquire() would overtake the queue.
        if (slots != null && !slots.tryAcquire(0, TimeUnit.SECONDS)) {
            if (waiting.incrementAndGet() > maxQueue) {
                waiting.decrementAndGet();
                return false;
            }
            try {
                slots.acquire();
            } finally {
                waiting.decrementAndGet();
            }
        }
        active.incrementAndGet();
        return true;
    }

    void release() {
        active.decrementAndGet();
        if (slots != null) {
            slots.release();
        }
    }

    int active() {
        return active.get();
    }

    int waiting() {
        return waiting.get();
    }

    int maxConcurrency() {
        return maxConcurrency;
    }

    int maxQueue() {
        return maxQueue;
    }
}
