package io.kiban.control;

import io.kiban.control.autoscale.ConcurrencyWindow;
import io.kiban.control.autoscale.KpaDecider;
import io.kiban.control.autoscale.KpaState;
import io.kiban.control.autoscale.Observation;
import io.kiban.control.autoscale.ScaleDecision;
import io.kiban.control.autoscale.ScalingSpec;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * The thin loop around {@link KpaDecider}: every {@code tick} (2 s), and at once when a request starts waiting at
 * zero replicas or a spec changes, it observes each deployment, decides, stores the decider's state and the decision,
 * and sets the desired count the {@link Supervisor} reconciles to.
 *
 * <h2>Implementation notes</h2>
 *
 * <p>One platform thread makes every decision, for all deployments, so decisions of one deployment are serialised
 * as the decider requires (its documented race cannot happen): a poke ({@link #decideSoon}) only queues the
 * deployment and wakes the thread, and pokes arriving while the deployment is already queued are coalesced into that
 * one decision (a burst of held requests costs a few decisions, not one each). Concurrency is recorded by request threads into the deployment's
 * {@link ConcurrencyWindow}; the loop only averages it. {@code external} deployments are not scaled (one replica per
 * URL). Time comes from an injected {@code nanoTime} and {@code epochMillis}; tests call {@link #decide} with a
 * stepped clock instead of running the thread.
 */
public final class Autoscaler implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Autoscaler.class.getName());

    private final Supervisor supervisor;
    private final KpaDecider decider = new KpaDecider();
    private final Duration tick;
    private final LongSupplier nanoTime;
    private final LongSupplier epochMillis;
    private final ConcurrentLinkedQueue<Deployment> urgent = new ConcurrentLinkedQueue<>();
    private volatile Thread thread;
    private volatile boolean closed;

    public Autoscaler(Supervisor supervisor, Duration tick) {
        this(supervisor, tick, System::nanoTime, System::currentTimeMillis);
    }

    Autoscaler(Supervisor supervisor, Duration tick, LongSupplier nanoTime, LongSupplier epochMillis) {
        this.supervisor = supervisor;
        this.tick = tick;
        this.nanoTime = nanoTime;
        this.epochMillis = epochMillis;
        supervisor.onDecisionNeeded(this::decideSoon);
    }

    public Autoscaler start() {
        Thread t = Thread.ofPlatform().name("kiban-autoscaler").daemon(true).unstarted(this::run);
        thread = t;
        t.start();
        return this;
    }

    /** Asks for a decision for {@code d} now rather than at the next tick. */
    public void decideSoon(Deployment d) {
        if (!d.decisionQueued.compareAndSet(false, true)) {
            return; // a decision is pending; it will see this request too
        }
        urgent.add(d);
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    private void run() {
        long next = nanoTime.getAsLong() + tick.toNanos();
        while (!closed) {
            Deployment d;
            while ((d = urgent.poll()) != null) {
                d.decisionQueued.set(false); // before deciding: a poke arriving during the decision queues another
                if (!d.removed()) {
                    decide(d, nanoTime.getAsLong());
                }
            }
            long now = nanoTime.getAsLong();
            if (now - next >= 0) {
                for (Deployment each : supervisor.deployments()) {
                    decide(each, now);
                }
                next = now + tick.toNanos();
            }
            LockSupport.parkNanos(Math.max(1, next - nanoTime.getAsLong()));
        }
    }

    /**
     * One decision for one deployment: observe, decide, store, and tell the supervisor when the desired count
     * changed. Returns the decision, or null for deployments that are not autoscaled. Call from one thread only.
     */
    ScaleDecision decide(Deployment d, long now) {
        DeploymentSpec spec = d.spec();
        if (spec.runtime().equals(DeploymentSpec.EXTERNAL)) {
            return null;
        }
        ScalingSpec scaling = spec.scaling();
        ConcurrencyWindow window = d.window();
        KpaState state = d.kpaState() != null ? d.kpaState() : KpaState.initial(now);
        ScaleDecision decision;
        try {
            Observation obs = new Observation(d.readyReplicas(), d.desiredReplicas(),
                    window.average(now, scaling.stableWindow()), window.average(now, scaling.panicWindow()), d.waiting());
            decision = decider.decide(scaling, state, obs, now);
        } catch (IllegalArgumentException e) {
            return null; // the spec's windows changed under us; the next decision sees the new window
        }
        int from = d.desiredReplicas();
        int to = decision.desiredReplicas();
        d.decided(decision.state(), from, to, decision.reason(), epochMillis.getAsLong());
        if (from != to) {
            d.desiredReplicas(to);
            d.meters.decision(from, to);
            LOG.log(System.Logger.Level.INFO, "{0}: {1} → {2} replicas: {3}", d.name(), from, to, decision.reason());
            supervisor.wake();
        }
        return decision;
    }

    @Override
    public void close() {
        closed = true;
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }
}
