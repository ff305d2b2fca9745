package io.kiban.control;

import io.kiban.control.backend.ReplicaHandle;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One running copy of a deployment, as the control plane tracks it.
 *
 * <p>State moves {@code STARTING → READY ⇄ UNHEALTHY → STOPPING → GONE}, or to {@code FAILED} when the process
 * exits or never became ready. Only the supervisor changes the state; request threads read it and count their
 * in-flight requests.
 */
public final class Replica {
    public enum State { STARTING, READY, UNHEALTHY, STOPPING, FAILED, GONE }

    private final String id;
    private final ReplicaHandle handle;
    private final long startedNanos;
    private final long startedEpochMillis;
    final AtomicInteger inFlight = new AtomicInteger();
    private volatile State state = State.STARTING;
    private volatile ReplicaEndpoint endpoint;
    private volatile long readyNanos = -1;
    volatile int healthFailures;
    volatile long lastProbeNanos;
    volatile int capacity;
    volatile String lastError;

    Replica(String id, ReplicaHandle handle, long nowNanos) {
        this.id = id;
        this.handle = handle;
        this.startedNanos = nowNanos;
        this.startedEpochMillis = System.currentTimeMillis();
    }

    public String id() {
        return id;
    }

    public ReplicaHandle handle() {
        return handle;
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

    /** Slots reported by the replica (0 when unknown). */
    public int capacity() {
        return capacity;
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

    public boolean live() {
        return state == State.STARTING || state == State.READY || state == State.UNHEALTHY;
    }
}
