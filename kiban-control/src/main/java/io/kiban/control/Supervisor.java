package io.kiban.control;

import io.kiban.control.backend.Backend;
import io.kiban.control.backend.BackendException;
import io.kiban.control.backend.ReplicaHandle;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Keeps every deployment's replicas at the desired count, ready and healthy: starts replicas, probes them, drains
 * and stops surplus ones, replaces the ones that exit or stop answering (with exponential backoff), and rolls
 * replicas over to a changed spec.
 *
 * <h2>Implementation notes</h2>
 *
 * <p><b>Threads.</b> One platform thread runs {@link #reconcile()} every {@code tick} and when {@link #wake()}n (the
 * autoscaler changed a desired count, a replica stopped); it is the only thread that adds or removes replicas.
 * Probes and stops run on virtual threads. A starting replica gets its own virtual thread that polls its endpoint
 * every {@code readinessPoll} (20 ms), so a held request is released within tens of milliseconds of the replica
 * being able to answer, not at the next tick. A process exit moves a replica to FAILED from the backend's exit
 * callback. State changes go through {@link #transition}, which only succeeds from the expected state, so a late
 * probe cannot revive a replica that was stopped.
 *
 * <p><b>Desired count.</b> {@link Deployment#desiredReplicas()}, set by the autoscaler (initially the minimum, or
 * the replicas adopted at start-up). Replicas count towards it while STARTING, READY or UNHEALTHY. Below it, a
 * DRAINING replica is taken back first, then all missing replicas are started at once. Above it, the surplus is
 * drained: not-ready replicas first, then the ones with the fewest requests in flight; a draining replica is
 * stopped when its last request ends or after {@code drainTimeout}.
 *
 * <p><b>Spec changes.</b> A replica remembers the {@link DeploymentSpec#replicaHash()} it was started from. When the
 * hash changes (new model, options or command), replicas of the new spec are started, and the old ones are drained
 * once one new replica is ready (or at once when none is wanted), so the model keeps answering throughout.
 *
 * <p><b>Backoff.</b> After a replica failed, the next start of that deployment waits 0.5 s × 2^(failures−1), at most
 * 30 s; the count resets once a replica stayed ready for 30 s.
 *
 * <p><b>Deletion.</b> {@link #undeploy} takes the deployment out of routing at once (waiting requests fail), then
 * drains its replicas like a scale to zero.
 *
 * <p>About 500 lines: reconciling, readiness and health probing, draining and shutdown all change replica states,
 * and keeping every transition in one file keeps their ordering rules ({@link #transition}) in one place.
 */
public final class Supervisor implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Supervisor.class.getName());

    /** Timing knobs. */
    public record Settings(Duration tick, Duration healthInterval, int healthFailures, Duration startupTimeout,
            Duration stopGrace, Duration drainTimeout, Duration readinessPoll) {
        public static Settings defaults() {
            return new Settings(Duration.ofMillis(200), Duration.ofSeconds(2), 3, Duration.ofMinutes(5),
                    Duration.ofSeconds(10), Duration.ofMinutes(2), Duration.ofMillis(20));
        }

        public Settings withDrainTimeout(Duration d) {
            return new Settings(tick, healthInterval, healthFailures, startupTimeout, stopGrace, d, readinessPoll);
        }
    }

    private final List<Backend> backends;
    private final HealthProbe probe;
    private final Settings settings;
    private final MeterRegistry registry;
    private final Map<String, Deployment> deployments = new ConcurrentHashMap<>();
    private final Set<Deployment> retiring = ConcurrentHashMap.newKeySet();
    private final Map<String, AtomicInteger> ordinals = new ConcurrentHashMap<>();
    private final ExecutorService probes = Executors.newVirtualThreadPerTaskExecutor();
    private final Counter restartsTotal;
    private volatile Consumer<Deployment> decideNow = d -> { };
    private volatile Consumer<Deployment> onScaledToZero = d -> { };
    private volatile Thread loop;
    private volatile boolean closed;

    public Supervisor(List<Backend> backends, HealthProbe probe, Settings settings, MeterRegistry registry) {
        this.backends = List.copyOf(backends);
        this.probe = probe;
        this.settings = settings;
        this.registry = registry;
        this.restartsTotal = Counter.builder("kiban.worker.restarts").description("Replicas replaced after they failed")
                .register(registry);
    }

    /** What to call when a deployment needs an autoscaling decision now (a request waits at zero, a spec changed). */
    public void onDecisionNeeded(Consumer<Deployment> hook) {
        this.decideNow = hook;
    }

    /** What to call when a deployment has reached zero replicas (to keep its model file in the page cache). */
    public void onScaledToZero(Consumer<Deployment> hook) {
        this.onScaledToZero = hook;
    }

    /**
     * Adds a deployment, first taking over the replicas an earlier server left running for the same spec.
     *
     * @throws IllegalArgumentException when a deployment of that name exists
     */
    public Deployment deploy(DeploymentSpec spec) {
        if (deployments.containsKey(spec.name())) {
            throw new IllegalArgumentException("deployment " + spec.name() + " exists");
        }
        Deployment d = new Deployment(spec);
        long now = System.nanoTime();
        Backend backend = backendFor(spec.runtime());
        List<Backend.AdoptedReplica> adopted = backend == null ? List.of() : backend.adopt(spec);
        AtomicInteger ordinal = ordinals.computeIfAbsent(spec.name(), k -> new AtomicInteger());
        for (Backend.AdoptedReplica a : adopted) {
            Replica r = new Replica(a.replicaId(), a.handle(), spec.replicaHash(), true, now);
            ordinal.accumulateAndGet(ordinalOf(spec.name(), a.replicaId()), Math::max);
            d.replicas.add(r);
            LOG.log(System.Logger.Level.INFO, "adopted replica {0} (pid {1}) left running by an earlier server",
                    r.id(), String.valueOf(a.handle().pid()));
            watchExit(d, r);
            probes.submit(() -> awaitReady(d, r));
        }
        d.desiredReplicas(Math.clamp(Math.max(spec.minReplicas(), adopted.size()), spec.minReplicas(),
                Math.max(spec.minReplicas(), spec.maxReplicas())));
        d.onHoldAtZero = () -> decideNow.accept(d);
        // Published only now, complete: the reconcile thread must not see it without its adopted replicas.
        if (deployments.putIfAbsent(spec.name(), d) != null) {
            d.replicas.forEach(r -> r.handle().stop(settings.stopGrace()));
            throw new IllegalArgumentException("deployment " + spec.name() + " exists");
        }
        d.meters = new DeploymentMeters(registry, d);
        wake();
        return d;
    }

    /**
     * Replaces a deployment's spec. Bounds, scaling, balancing and holding apply at once; a new replica hash rolls
     * the replicas over (see the class notes).
     */
    public Deployment update(DeploymentSpec spec) {
        Deployment d = deployments.get(spec.name());
        if (d == null) {
            throw new IllegalArgumentException("no deployment " + spec.name());
        }
        d.spec(spec);
        d.desiredReplicas(Math.clamp(d.desiredReplicas(), spec.minReplicas(), Math.max(spec.minReplicas(), spec.maxReplicas())));
        decideNow.accept(d);
        wake();
        return d;
    }

    /** Removes a deployment: no new requests, waiting ones fail, replicas drain and stop. False when unknown. */
    public boolean undeploy(String name) {
        Deployment d = deployments.remove(name);
        if (d == null) {
            return false;
        }
        d.remove();
        d.desiredReplicas(0);
        retiring.add(d);
        wake();
        return true;
    }

    public Deployment get(String name) {
        return deployments.get(name);
    }

    public Collection<Deployment> deployments() {
        return deployments.values();
    }

    /** Stops replicas that earlier servers left running and no deployment adopted; call after the last deploy. */
    public void stopUnadopted() {
        backends.forEach(Backend::stopUnadopted);
    }

    public Supervisor start() {
        Thread t = Thread.ofPlatform().name("kiban-supervisor").daemon(true).unstarted(this::run);
        loop = t;
        t.start();
        return this;
    }

    private void run() {
        while (!closed) {
            try {
                reconcile();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "reconcile failed", e);
            }
            LockSupport.parkNanos(settings.tick().toNanos());
        }
    }

    /** Runs a reconcile pass now instead of at the next tick. */
    public void wake() {
        Thread t = loop;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /** One pass over all deployments. Public for tests that step it by hand. */
    public synchronized void reconcile() {
        if (closed) {
            return;
        }
        long now = System.nanoTime();
        for (Deployment d : deployments.values()) {
            reconcile(d, now);
        }
        for (Deployment d : retiring) {
            reconcile(d, now);
            if (d.replicas.isEmpty()) {
                retiring.remove(d);
            }
        }
    }

    private void reconcile(Deployment d, long now) {
        for (Replica r : d.replicas) {
            if (r.state() == Replica.State.FAILED && !r.cleanedUp) {
                r.cleanedUp = true;
                probes.submit(() -> r.handle().stop(Duration.ZERO)); // clears its run directory
            }
            // Kept in the list until the gateway has released its requests, so their release finds it.
            if ((r.state() == Replica.State.FAILED || r.state() == Replica.State.GONE) && r.inFlight() == 0) {
                d.replicas.remove(r);
            }
        }
        DeploymentSpec spec = d.spec();
        String hash = spec.replicaHash();
        int want = d.removed() ? 0 : Math.clamp(d.desiredReplicas(), 0, Math.max(spec.minReplicas(), spec.maxReplicas()));
        List<Replica> current = new ArrayList<>();
        List<Replica> outdated = new ArrayList<>();
        boolean currentReady = false;
        for (Replica r : d.replicas) {
            boolean same = r.replicaHash().equals(hash);
            if (r.live()) {
                (same ? current : outdated).add(r);
            }
            currentReady |= same && r.state() == Replica.State.READY;
        }
        int live = current.size();
        for (Replica r : d.replicas) {
            if (live < want && r.state() == Replica.State.DRAINING && r.replicaHash().equals(hash)
                    && transition(r, Replica.State.DRAINING, Replica.State.READY)) {
                LOG.log(System.Logger.Level.INFO, "replica {0} serves again (scaled up while it drained)", r.id());
                live++;
                d.signalReady();
            }
        }
        if (live < want && now >= d.nextStartNanos) {
            for (int i = live; i < want && startReplica(d, now); i++) {
                // started one more
            }
        } else if (live > want) {
            current.sort(Comparator.comparing((Replica r) -> r.state() == Replica.State.READY)
                    .thenComparingInt(Replica::inFlight).thenComparing(Replica::startedNanos, Comparator.reverseOrder()));
            for (Replica victim : current.subList(0, live - want)) {
                drain(d, victim, "scaled down to " + want);
            }
        }
        if (!outdated.isEmpty() && (currentReady || want == 0)) {
            for (Replica r : outdated) {
                drain(d, r, "replaced by a replica of the changed spec");
            }
        }
        for (Replica r : d.replicas) {
            if (r.state() == Replica.State.DRAINING && (r.inFlight() == 0
                    || now - r.drainingSinceNanos > settings.drainTimeout().toNanos())) {
                stop(d, r, r.inFlight() == 0 ? "drained" : "still busy after the drain timeout");
            }
            watchHealth(d, r, now);
        }
        if (want > 0) {
            d.atZero = false;
        } else if (!d.atZero && !d.removed() && d.replicas.isEmpty()) {
            d.atZero = true;
            onScaledToZero.accept(d);
        }
        if (d.consecutiveFailures > 0) {
            for (Replica r : d.replicas) {
                if (r.state() == Replica.State.READY && r.startupNanos() >= 0
                        && now - (r.startedNanos() + r.startupNanos()) > TimeUnit.SECONDS.toNanos(30)) {
                    d.consecutiveFailures = 0;
                }
            }
        }
    }

    private Backend backendFor(String runtime) {
        return backends.stream().filter(b -> b.supports(runtime)).findFirst().orElse(null);
    }

    /** Starts one replica; false when it could not (the deployment is then backing off). */
    private boolean startReplica(Deployment d, long now) {
        DeploymentSpec spec = d.spec();
        Backend backend = backendFor(spec.runtime());
        if (backend == null) {
            LOG.log(System.Logger.Level.ERROR, "no backend for runtime {0} of {1}", spec.runtime(), spec.name());
            d.nextStartNanos = now + TimeUnit.SECONDS.toNanos(30);
            return false;
        }
        int ordinal = ordinals.computeIfAbsent(spec.name(), k -> new AtomicInteger()).incrementAndGet();
        String id = spec.name() + "-" + ordinal;
        ReplicaHandle handle;
        try {
            handle = backend.start(spec, id, ordinal - 1);
        } catch (BackendException e) {
            LOG.log(System.Logger.Level.ERROR, "could not start {0}: {1}", id, e.getMessage());
            failed(d, now);
            return false;
        }
        Replica r = new Replica(id, handle, spec.replicaHash(), false, now);
        d.replicas.add(r);
        LOG.log(System.Logger.Level.INFO, "started replica {0} (pid {1}, log {2})", id, String.valueOf(handle.pid()),
                handle.logLocation());
        watchExit(d, r);
        probes.submit(() -> awaitReady(d, r));
        return true;
    }

    private void watchExit(Deployment d, Replica r) {
        r.handle().exited().thenAccept(code -> {
            Replica.State before = r.state();
            if (before != Replica.State.STOPPING && before != Replica.State.GONE
                    && transition(r, before, Replica.State.FAILED)) {
                r.lastError = "process exited with code " + code;
                LOG.log(System.Logger.Level.WARNING, "replica {0} exited with code {1} (log: {2})", r.id(), code,
                        r.handle().logLocation());
                if (before == Replica.State.READY || before == Replica.State.UNHEALTHY || before == Replica.State.DRAINING) {
                    d.restarted();
                    restartsTotal.increment();
                }
                failed(d, System.nanoTime());
                wake();
            }
        });
    }

    private void failed(Deployment d, long now) {
        int n = ++d.consecutiveFailures;
        long delay = Math.min(TimeUnit.SECONDS.toNanos(30), TimeUnit.MILLISECONDS.toNanos(500) << Math.min(n - 1, 16));
        d.nextStartNanos = now + delay;
    }

    /** Polls a starting replica until it answers its readiness probe, exits, or runs out of time. */
    private void awaitReady(Deployment d, Replica r) {
        long poll = settings.readinessPoll().toNanos();
        while (r.state() == Replica.State.STARTING && !closed) {
            long now = System.nanoTime();
            if (now - r.startedNanos() > settings.startupTimeout().toNanos()) {
                r.lastError = "not ready after " + settings.startupTimeout().toSeconds() + " s";
                LOG.log(System.Logger.Level.WARNING, "replica {0} {1}; stopping it", r.id(), r.lastError);
                stop(d, r, r.lastError);
                failed(d, now);
                return;
            }
            var endpoint = r.handle().endpoint();
            if (endpoint.isPresent()) {
                r.endpoint(endpoint.get());
                HealthProbe.Result res = probe.probe(endpoint.get(), r.handle().healthPath());
                if (res.healthy() && transition(r, Replica.State.STARTING, Replica.State.READY)) {
                    long readyAt = System.nanoTime();
                    r.capacity = res.slots();
                    r.lastProbeNanos = readyAt;
                    r.ready(readyAt);
                    d.signalReady();
                    if (!r.adopted()) {
                        d.coldStarted(r.startupNanos());
                    }
                    LOG.log(System.Logger.Level.INFO, "replica {0} ready in {1} ms at {2}:{3}", r.id(),
                            String.valueOf(r.startupNanos() / 1_000_000), endpoint.get().host(),
                            Integer.toString(endpoint.get().port()));
                    wake();
                    return;
                }
            }
            LockSupport.parkNanos(poll);
        }
    }

    private void watchHealth(Deployment d, Replica r, long now) {
        Replica.State s = r.state();
        if ((s != Replica.State.READY && s != Replica.State.UNHEALTHY)
                || now - r.lastProbeNanos < settings.healthInterval().toNanos()) {
            return;
        }
        r.lastProbeNanos = now;
        probes.submit(() -> {
            HealthProbe.Result res = probe.probe(r.endpoint(), r.handle().healthPath());
            if (res.healthy()) {
                r.healthFailures = 0;
                if (res.slots() > 0) {
                    r.capacity = res.slots();
                }
                if (transition(r, Replica.State.UNHEALTHY, Replica.State.READY)) {
                    d.signalReady();
                }
            } else {
                r.lastError = res.error();
                if (++r.healthFailures >= settings.healthFailures()) {
                    LOG.log(System.Logger.Level.WARNING, "replica {0} failed {1} health checks ({2}); replacing it",
                            r.id(), r.healthFailures, res.error());
                    if (r.state() == Replica.State.READY || r.state() == Replica.State.UNHEALTHY) {
                        d.restarted();
                        restartsTotal.increment();
                    }
                    stop(d, r, "unhealthy");
                    failed(d, System.nanoTime());
                } else {
                    transition(r, Replica.State.READY, Replica.State.UNHEALTHY);
                }
            }
        });
    }

    private boolean transition(Replica r, Replica.State from, Replica.State to) {
        synchronized (r) {
            if (r.state() != from) {
                return false;
            }
            r.state(to);
            return true;
        }
    }

    /** Stops new requests to a replica; it is stopped once idle. A replica that never became ready stops at once. */
    private void drain(Deployment d, Replica r, String why) {
        synchronized (r) {
            Replica.State s = r.state();
            if (s == Replica.State.READY || s == Replica.State.UNHEALTHY) {
                r.drainingSinceNanos = System.nanoTime();
                r.state(Replica.State.DRAINING);
                LOG.log(System.Logger.Level.INFO, "draining replica {0} ({1} in flight): {2}", r.id(), r.inFlight(), why);
                return;
            }
        }
        if (r.state() == Replica.State.STARTING) {
            stop(d, r, why);
        }
    }

    private void stop(Deployment d, Replica r, String why) {
        synchronized (r) {
            Replica.State before = r.state();
            if (before == Replica.State.STOPPING || before == Replica.State.GONE) {
                return;
            }
            r.state(Replica.State.STOPPING);
        }
        LOG.log(System.Logger.Level.INFO, "stopping replica {0} of {1}: {2}", r.id(), d.name(), why);
        probes.submit(() -> {
            r.handle().stop(settings.stopGrace());
            transition(r, Replica.State.STOPPING, Replica.State.GONE);
            wake();
        });
    }

    /** Stops every replica and waits for them (bounded by the stop grace). */
    @Override
    public void close() {
        close(false);
    }

    /**
     * Stops the supervisor.
     *
     * @param keepReplicas leave the replicas running, for the next server on this data directory to adopt (see
     *     {@link Backend#adopt}); otherwise stop them and wait (bounded by the stop grace)
     */
    public void close(boolean keepReplicas) {
        synchronized (this) {
            closed = true;
        }
        wake();
        if (!keepReplicas) {
            List<Deployment> all = new ArrayList<>(deployments.values());
            all.addAll(retiring);
            for (Deployment d : all) {
                for (Replica r : d.replicas) {
                    stop(d, r, "server shutting down");
                }
            }
        }
        probes.shutdown();
        try {
            probes.awaitTermination(settings.stopGrace().toMillis() + 5000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        backends.forEach(Backend::close);
    }

    private static int ordinalOf(String name, String replicaId) {
        try {
            return Integer.parseInt(replicaId.substring(name.length() + 1));
        } catch (RuntimeException e) {
            return 0;
        }
    }
}
