package io.kiban.control;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.control.autoscale.ConcurrencyWindow;
import io.kiban.control.autoscale.KpaState;
import io.kiban.control.balance.Balancer;
import io.kiban.control.balance.BalancingPolicy;
import io.kiban.control.balance.Candidate;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A deployment at run time: its spec, its replicas, the requests waiting for one of them, and what the autoscaler
 * decided for it.
 *
 * <h2>Implementation notes</h2>
 *
 * <p><b>Choosing.</b> Request threads call {@link #acquire} and {@link #release}. A request takes a slot on a ready
 * replica chosen by the deployment's {@link Balancer} (least outstanding or prefix affinity) from a snapshot of the
 * READY replicas with their in-flight counts and slot capacities; the slot is taken with a compare-and-set
 * ({@link Replica#tryAcquire}), so two requests racing for a replica's last slot cannot both get it — the loser
 * chooses again from a fresh snapshot.
 *
 * <p><b>Holding.</b> A request that finds no ready replica with a free slot (none ready, all full, or all excluded
 * after failing it) waits on {@link #ready}, which is signalled when a replica becomes ready and, while requests
 * wait, when a slot is released. At most {@link HoldSpec#maxWaiting()} wait (429 beyond), each until the earlier of
 * the gateway's deadline and {@link HoldSpec#timeout()} (then 503 while replicas start, 429 when all are busy). A
 * request that starts waiting while the desired count is zero, or cannot carry the waiting requests, pokes the
 * autoscaler ({@link #askForDecision}) so the scale-up does not wait for its next tick.
 *
 * <p><b>Concurrency record.</b> Every acquire, release and hold records in-flight plus waiting into the
 * {@link ConcurrencyWindow} the autoscaler averages. The count is read after the change, so two racing threads may
 * record in either order; the window is time-weighted, and such a swap shifts the area by nanoseconds.
 *
 * <p><b>Writers.</b> The supervisor adds, readies, drains and removes replicas (the list is copy-on-write: read on
 * every request, written on scaling only); the autoscaler thread sets {@link #desiredReplicas()} and the decision
 * history.
 */
public final class Deployment {
    private static final int RECENT_DECISIONS = 20;

    private volatile DeploymentSpec spec;
    final CopyOnWriteArrayList<Replica> replicas = new CopyOnWriteArrayList<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition ready = lock.newCondition();
    private final AtomicInteger waiting = new AtomicInteger();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicLong restarts = new AtomicLong();
    private volatile Balancer balancer;
    private volatile ConcurrencyWindow window;
    private volatile int desired;
    private volatile boolean removed;
    private volatile long lastColdStartNanos = -1;
    volatile DeploymentMeters meters = DeploymentMeters.NONE;
    /** Asks the autoscaler for a decision now; see {@link #askForDecision}. */
    volatile Runnable onHoldAtZero = () -> { };
    /** Set while the autoscaler has this deployment queued for a decision; cleared when it decides. */
    final java.util.concurrent.atomic.AtomicBoolean decisionQueued = new java.util.concurrent.atomic.AtomicBoolean();
    volatile long nextStartNanos;
    volatile int consecutiveFailures;
    /** Whether the supervisor has seen this deployment at zero replicas since it last wanted some. */
    volatile boolean atZero;

    // Written by the autoscaler thread only.
    private volatile KpaState kpaState;
    private volatile String lastReason;
    private final ArrayDeque<ScalingEvent> decisions = new ArrayDeque<>();

    public Deployment(DeploymentSpec spec) {
        this.spec = spec;
        this.balancer = spec.balancing().newBalancer();
        this.window = new ConcurrencyWindow(spec.scaling().stableWindow());
        this.desired = spec.minReplicas();
    }

    public DeploymentSpec spec() {
        return spec;
    }

    /** Replaces the spec; a new balancing policy or stable window takes effect for the next request. */
    void spec(DeploymentSpec s) {
        DeploymentSpec old = spec;
        spec = s;
        if (old.balancing() != s.balancing()) {
            balancer = s.balancing().newBalancer();
        }
        if (!old.scaling().stableWindow().equals(s.scaling().stableWindow())) {
            ConcurrencyWindow w = new ConcurrencyWindow(s.scaling().stableWindow());
            w.record(System.nanoTime(), concurrency());
            window = w;
        }
        signalReady(); // waiting requests pick again, with the new balancer
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

    /** Requests waiting for a ready replica with a free slot. */
    public int waiting() {
        return waiting.get();
    }

    /** Requests in flight on all replicas. */
    public int inFlight() {
        return inFlight.get();
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

    /** The replica count the supervisor reconciles to, as the autoscaler last set it. */
    public int desiredReplicas() {
        return desired;
    }

    void desiredReplicas(int n) {
        desired = n;
    }

    /** The time-weighted record of in-flight plus waiting requests, for the autoscaler. */
    ConcurrencyWindow window() {
        return window;
    }

    KpaState kpaState() {
        return kpaState;
    }

    /** Records one autoscaler decision; a change of the desired count is kept in the recent decisions. */
    void decided(KpaState state, int from, int to, String reason, long epochMillis) {
        kpaState = state;
        lastReason = reason;
        if (from != to) {
            synchronized (decisions) {
                if (decisions.size() == RECENT_DECISIONS) {
                    decisions.removeFirst();
                }
                decisions.addLast(new ScalingEvent(epochMillis, from, to, reason));
            }
        }
    }

    /** The last decisions that changed the desired count, oldest first (at most 20). */
    public List<ScalingEvent> recentDecisions() {
        synchronized (decisions) {
            return List.copyOf(decisions);
        }
    }

    /** The reason of the autoscaler's latest decision, changed or not; null before the first. */
    public String lastDecisionReason() {
        return lastReason;
    }

    /** Whether the autoscaler is in panic mode for this deployment. */
    public boolean panicking() {
        KpaState s = kpaState;
        return s != null && s.panicking();
    }

    /** Nanos the latest started replica took to become ready, or -1. */
    public long lastColdStartNanos() {
        return lastColdStartNanos;
    }

    void coldStarted(long nanos) {
        lastColdStartNanos = nanos;
        meters.coldStart(nanos);
    }

    private int concurrency() {
        return inFlight.get() + waiting.get();
    }

    private void record() {
        window.record(System.nanoTime(), concurrency());
    }

    /** {@link #acquire(byte[], Set, long)} without a body (prefix affinity then balances by load alone). */
    public Replica acquire(Set<String> exclude, long deadlineNanos) throws InterruptedException {
        return acquire(null, exclude, deadlineNanos);
    }

    /**
     * A slot on a ready replica for one request, waiting for one until the earlier of {@code deadlineNanos} and the
     * spec's hold timeout.
     *
     * @param body the request body, for prefix affinity; may be null
     * @param exclude replica ids that already failed this request
     * @throws ApiException 429 when the hold queue is full or every replica stayed busy, 503 when no replica became
     *     ready in time or the deployment was deleted
     */
    public Replica acquire(byte[] body, Set<String> exclude, long deadlineNanos) throws InterruptedException {
        long start = System.nanoTime();
        Replica r = pick(body, exclude);
        if (r != null) {
            meters.waited(0);
            return r;
        }
        HoldSpec hold = spec.hold();
        if (waiting.incrementAndGet() > hold.maxWaiting()) {
            waiting.decrementAndGet();
            throw new ApiException(queueFull(hold));
        }
        record();
        askForDecision();
        long deadline = Math.min(deadlineNanos, start + hold.timeout().toNanos());
        lock.lock();
        try {
            while (true) {
                r = pick(body, exclude);
                if (r != null) {
                    return r;
                }
                if (removed) {
                    throw new ApiException(new ApiError.ModelUnavailable("The model '" + name()
                            + "' was removed while this request waited for it.", "model_removed", Duration.ofSeconds(5)));
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new ApiException(timedOut(Duration.ofNanos(System.nanoTime() - start)));
                }
                ready.await(Math.min(left, TimeUnit.SECONDS.toNanos(1)), TimeUnit.NANOSECONDS);
            }
        } finally {
            lock.unlock();
            waiting.decrementAndGet();
            record();
            meters.waited(System.nanoTime() - start);
        }
    }

    /**
     * Pokes the autoscaler when a request starts waiting and the desired count cannot carry the waiting requests:
     * at zero (scale from zero must not wait for the tick), and above it (a burst arriving just after the first poke
     * is seen at once instead of at the next 2 s tick). The autoscaler coalesces pokes that arrive while one is
     * pending ({@link #decisionQueued}), so a burst of holds costs a few decisions, not one each.
     */
    private void askForDecision() {
        int d = desired;
        if (d == 0 || waiting.get() > d * spec.targetConcurrency()) {
            onHoldAtZero.run();
        }
    }

    private Replica pick(byte[] body, Set<String> exclude) {
        for (int attempt = 0; attempt < 8; attempt++) {
            List<Replica> ready = new ArrayList<>(replicas.size());
            List<Candidate> candidates = new ArrayList<>(replicas.size());
            for (Replica r : replicas) {
                if (r.state() == Replica.State.READY) {
                    ready.add(r);
                    candidates.add(new Candidate(r.id(), r.inFlight(), r.capacity()));
                }
            }
            String id = balancer.choose(candidates, body, exclude);
            if (id == null) {
                return null;
            }
            for (Replica r : ready) {
                if (r.id().equals(id)) {
                    if (r.tryAcquire()) {
                        inFlight.incrementAndGet();
                        record();
                        return r;
                    }
                    break; // its last slot went to a racing request: choose again from a fresh snapshot
                }
            }
        }
        return null;
    }

    /** Ends a request on {@code replica}; a waiting request may take the freed slot. */
    public void release(Replica replica) {
        replica.inFlight.decrementAndGet();
        inFlight.decrementAndGet();
        record();
        if (waiting.get() > 0) {
            signalReady();
        }
    }

    /** Wakes waiting requests: a replica became ready, a slot was freed, or the deployment changed. */
    void signalReady() {
        lock.lock();
        try {
            ready.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Marks the deployment deleted: waiting requests fail at once, new ones are not routed here. */
    void remove() {
        removed = true;
        meters.remove();
        signalReady();
    }

    public boolean removed() {
        return removed;
    }

    private ApiError queueFull(HoldSpec hold) {
        String why = readyReplicas() == 0 ? "is starting" : "is busy on all " + readyReplicas() + " ready replicas";
        return new ApiError.RateLimited("The model '" + name() + "' " + why + " and " + hold.maxWaiting()
                + " requests are already waiting for it. Retry in a few seconds.", "model_queue_full", retryAfter());
    }

    private ApiError timedOut(Duration waited) {
        int ready = readyReplicas();
        String secs = String.format(java.util.Locale.ROOT, "%.1f s", waited.toMillis() / 1000.0);
        if (ready == 0) {
            return new ApiError.ModelUnavailable("The model '" + name() + "' is starting and no replica became ready "
                    + "within " + secs + ". Retry in a few seconds.", "model_starting", retryAfter());
        }
        return new ApiError.RateLimited("All " + ready + " replicas of the model '" + name() + "' stayed busy for "
                + secs + ". Retry in a few seconds.", "overloaded", Duration.ofSeconds(2));
    }

    /** About one cold start, as last measured: when a new replica will likely be ready. */
    private Duration retryAfter() {
        long cold = lastColdStartNanos;
        return cold <= 0 ? Duration.ofSeconds(5) : Duration.ofSeconds(Math.clamp((cold + 999_999_999L) / 1_000_000_000L, 1, 60));
    }
}
