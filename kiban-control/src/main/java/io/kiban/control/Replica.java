package io.kiban.control;

import io.kiban.control.backend.ReplicaHandle;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One running copy of a deployment, as the control plane tracks it.
 *
 * <p>State moves {@code STARTING → READY ⇄ UNHEALTHY → STOPPING → GONE}, or to {@code FAILED} when the process
 * exits or never became ready. A scale-down moves a replica {@code READY → DRAINING}: it gets no new requests, and
 * once its in-flight requests have finished (or the drain timeout passed) it is stopped; a scale-up may take a
 * draining replica back ({@code DRAINING → READY}) instead of starting a new one. Only the supervisor changes the
 * state; request threads read it and count their in-flight requests.
 */
public final class Replica {
    public enum State { STARTING, READY, UNHEALTHY, DRAINING, STOPPING, FAILED, GONE }

    private final String id;
    private final ReplicaHandle handle;
    private final String replicaHash;
    private final boolean adopted;
    private final long startedNanos;
    private final long startedEpochMillis;
    final AtomicInteger inFlight = new AtomicInteger();
    private volatile State state = State.STARTING;
    private volatile ReplicaEndpoint endpoint;
    private volatile long readyNanos = -1;
    volatile long drainingSinceNanos;
    volatile int healthFailures;
    volatile long lastProbeNanos;
    volatile int capacity;
    volatile String lastError;
    volatile boolean cleanedUp;

    Replica(String id, ReplicaHandle handle, String replicaHash, boolean adopted, long nowNanos) {
        this.id = id;
        this.handle = handle;
        this.replicaHash = replicaHash;
        this.adopted = adopted;
        this.startedNanos = nowNanos;
        this.startedEpochMillis = System.currentTimeMillis();
    }

    public String id() {
        return id;
    }

    public ReplicaHandle handle() {
        return handle;
    }

    /** The {@link DeploymentSpec#replicaHash()} of the spec this replica was started from. */
    public String replicaHash() {
        return replicaHash;
    }

    /** Whether this replica was found running at start-up (started by an earlier server) rather than started. */
    public boolean adopted() {
        return adopted;
    }

    public State state() {
        return state;
    }

    void state(State s) {
        state = s;
    }

    public ReplicaEndpoint endpoint() {
        return endpoint;
    }

    void endpoint(ReplicaEndpoint e) {
        endpoint = e;
    }

    public int inFlight() {
        return inFlight.get();
    }

    /** Slots reported by the replica (0 when unknown: then it is not limited by Kiban). */
    public int capacity() {
        return capacity;
    }

    /**
     * Takes one slot if the replica has room: fewer in-flight requests than its capacity, or no known capacity.
     * A compare-and-set loop, so two requests racing for the last slot cannot both get it.
     */
    boolean tryAcquire() {
        while (true) {
            int n = inFlight.get();
            int cap = capacity;
            if (cap > 0 && n >= cap) {
                return false;
            }
            if (inFlight.compareAndSet(n, n + 1)) {
                return true;
            }
        }
    }

    public long startedNanos() {
        return startedNanos;
    }

    public long startedEpochMillis() {
        return startedEpochMillis;
    }

    /** Nanos from start to ready, or -1 when not ready yet. */
    public long startupNanos() {
        return readyNanos < 0 ? -1 : readyNanos - startedNanos;
    }

    void ready(long nowNanos) {
        readyNanos = nowNanos;
        state = State.READY;
    }

    public String lastError() {
        return lastError;
    }

    /** Started and not being taken away: counts towards the desired replicas. */
    public boolean live() {
        return state == State.STARTING || state == State.READY || state == State.UNHEALTHY;
    }
}
