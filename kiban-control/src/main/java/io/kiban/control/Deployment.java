package io.kiban.control;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A deployment at run time: its spec, its replicas, and the requests waiting for one of them.
 *
 * <p>Implementation notes. Request threads call {@link #acquire} and {@link #release}; the supervisor adds, readies
 * and removes replicas. The replica list is copy-on-write (reads on every request, writes on scaling only). A request
 * that finds no ready replica waits on {@link #ready}, signalled whenever a replica becomes ready or a request is
 * released; at most {@code maxWaiting} requests wait, the rest get a 503 at once. Choosing among ready replicas takes
 * the one with the fewest in-flight requests (ties go to the one after the last choice).
 */
public final class Deployment {
    private volatile DeploymentSpec spec;
    final CopyOnWriteArrayList<Replica> replicas = new CopyOnWriteArrayList<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicInteger cursor = new AtomicInteger();
    private final AtomicLong restarts = new AtomicLong();
    private final int maxWaiting;
    volatile long nextStartNanos;
    volatile int consecutiveFailures;

    public Deployment(DeploymentSpec spec, int maxWaiting) {
        this.spec = spec;
        this.maxWaiting = maxWaiting;
    }

    public DeploymentSpec spec() {
        return spec;
    }

    void spec(DeploymentSpec s) {
        spec = s;
    }

    public String name() {
        return spec.name();
    }

    public List<Replica> replicas() {
        return List.copyOf(replicas);
    }

    /** The replica with this id, or null. */
    public Replica replica(String id) {
        for (Replica r : replicas) {
            if (r.id().equals(id)) {
                return r;
            }
        }
        return null;
    }

    public int waiting() {
        return waiting.get();
    }

    public long restarts() {
        return restarts.get();
    }

    void restarted() {
        restarts.incrementAndGet();
    }

    public int readyReplicas() {
        int n = 0;
        for (Replica r : replicas) {
            if (r.state() == Replica.State.READY) {
                n++;
            }
        }
        return n;
    }

    /** Requests in flight on all replicas. */
    public int inFlight() {
        int n = 0;
        for (Replica r : replicas) {
            n += r.inFlight();
        }
        return n;
    }

    /**
     * A ready replica for one request, waiting until {@code deadlineNanos} for one to become ready.
     *
     * @param exclude replica ids that already failed this request
     */
    public Replica acquire(Set<String> exclude, long deadlineNanos) throws InterruptedException {
        Replica r = pick(exclude);
        if (r != null) {
            return r;
        }
        if (waiting.incrementAndGet() > maxWaiting) {
            waiting.decrementAndGet();
            throw new ApiException(new ApiError.ModelUnavailable("The model '" + name() + "' has no ready replica and "
                    + maxWaiting + " requests are already waiting for one. Retry later.", "model_overloaded", Duration.ofSeconds(5)));
        }
        lock.lock();
        try {
            while (true) {
                r = pick(exclude);
                if (r != null) {
                    return r;
                }
                long left = deadlineNanos - System.nanoTime();
                if (left <= 0) {
                    throw new ApiException(new ApiError.ModelUnavailable("The model '" + name() + "' is starting and no "
                            + "replica became ready in time. Retry in a few seconds.", "model_starting", Duration.ofSeconds(5)));
                }
                ready.await(Math.min(left, TimeUnit.SECONDS.toNanos(1)), TimeUnit.NANOSECONDS);
            }
        } finally {
            lock.unlock();
            waiting.decrementAndGet();
        }
    }

    private Replica pick(Set<String> exclude) {
        Replica best = null;
        int bestLoad = Integer.MAX_VALUE;
        int n = replicas.size();
        int start = n == 0 ? 0 : Math.floorMod(cursor.get(), n);
        for (int i = 0; i < n; i++) {
            Replica r = replicas.get((start + i) % n);
            if (r.state() != Replica.State.READY || exclude.contains(r.id())) {
                continue;
            }
            int load = r.inFlight();
            if (load < bestLoad) {
                best = r;
                bestLoad = load;
            }
        }
        if (best == null) {
            return null;
        }
        best.inFlight.incrementAndGet();
        cursor.incrementAndGet();
        return best;
    }

    public void release(Replica replica) {
        replica.inFlight.decrementAndGet();
    }

    /** Wakes waiting requests: a replica became ready. */
    void signalReady() {
        lock.lock();
        try {
            ready.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
