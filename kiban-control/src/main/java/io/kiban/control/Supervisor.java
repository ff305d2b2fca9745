package io.kiban.control;

import io.kiban.control.backend.Backend;
import io.kiban.control.backend.BackendException;
import io.kiban.control.backend.ReplicaHandle;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.ToIntFunction;

/**
 * Keeps every deployment's replicas at the desired count, ready and healthy: starts replicas, probes them, replaces
 * the ones that exit or stop answering, with exponential backoff.
 *
 * <p>Implementation notes. One platform thread runs {@link #reconcile()} every {@code tick}; it is the only thread
 * that adds or removes replicas. Probes run on virtual threads and move a replica STARTING → READY or count health
 * failures; a process exit moves it to FAILED from the backend's exit callback. State changes go through
 * {@link #transition}, which only succeeds from the expected state, so a late probe cannot revive a replica that was
 * stopped. Backoff: after a replica failed, the next start of that deployment waits 0.5 s × 2^(failures−1), at most
 * 30 s; the count resets once a replica stayed ready for 30 s.
 */
public final class Supervisor implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Supervisor.class.getName());

    /** Timing knobs. */
    public record Settings(Duration tick, Duration healthInterval, int healthFailures, Duration startupTimeout,
            Duration stopGrace, int maxWaitingPerDeployment) {
        public static Settings defaults() {
            return new Settings(Duration.ofMillis(200), Duration.ofSeconds(2), 3, Duration.ofMinutes(5),
                    Duration.ofSeconds(10), 512);
        }
    }

    private final List<Backend> backends;
    private final HealthProbe probe;
    private final Settings settings;
    private final MeterRegistry registry;
    private final Map<String, Deployment> deployments = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> ordinals = new ConcurrentHashMap<>();
    private final ExecutorService probes = Executors.newVirtualThreadPerTaskExecutor();
    private final Counter restartsTotal;
    private volatile ToIntFunction<Deployment> desired = d -> d.spec().minReplicas();
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

    /** Replaces the rule for the desired replica count (the autoscaler); by default, the spec's minimum. */
    public void desiredReplicas(ToIntFunction<Deployment> rule) {
        this.desired = rule;
    }

    public Deployment deploy(DeploymentSpec spec) {
        Deployment d = new Deployment(spec, settings.maxWaitingPerDeployment());
        if (deployments.putIfAbsent(spec.name(), d) != null) {
            throw new IllegalArgumentException("deployment " + spec.name() + " exists");
        }
        Gauge.builder("kiban.deployment.replicas.ready", d, Deployment::readyReplicas).tag("deployment", spec.name())
                .description("Ready replicas").register(registry);
        Gauge.builder("kiban.deployment.requests.waiting", d, Deployment::waiting).tag("deployment", spec.name())
                .description("Requests waiting for a ready replica").register(registry);
        wake();
        return d;
    }

    public Deployment get(String name) {
        return deployments.get(name);
    }

    public Collection<Deployment> deployments() {
        return deployments.values();
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

    private void wake() {
        Thread t = loop;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /** One pass over all deployments. Public for tests that step it by hand. */
    public void reconcile() {
        long now = System.nanoTime();
        for (Deployment d : deployments.values()) {
            reconcile(d, now);
        }
    }

    private void reconcile(Deployment d, long now) {
        for (Replica r : d.replicas) {
            if (r.state() == Replica.State.FAILED) {
                d.replicas.remove(r);
                probes.submit(() -> r.handle().stop(Duration.ZERO)); // clears its run directory
            } else if (r.state() == Replica.State.GONE) {
                d.replicas.remove(r);
            }
        }
        int live = 0;
        for (Replica r : d.replicas) {
            if (r.live()) {
                live++;
            }
        }
        int want = Math.clamp(desired.applyAsInt(d), 0, Math.max(d.spec().maxReplicas(), d.spec().minReplicas()));
        if (live < want && now >= d.nextStartNanos) {
            startReplica(d, now);
        } else if (live > want) {
            Replica victim = null;
            for (Replica r : d.replicas) {
                if (r.live() && (victim == null || r.inFlight() < victim.inFlight())) {
                    victim = r;
                }
            }
            if (victim != null) {
                stop(d, victim, "scaled down");
            }
        }
        for (Replica r : d.replicas) {
            watch(d, r, now);
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

    private void startReplica(Deployment d, long now) {
        DeploymentSpec spec = d.spec();
        Backend backend = backends.stream().filter(b -> b.supports(spec.runtime())).findFirst().orElse(null);
        if (backend == null) {
            LOG.log(System.Logger.Level.ERROR, "no backend for runtime {0} of {1}", spec.runtime(), spec.name());
            d.nextStartNanos = now + TimeUnit.SECONDS.toNanos(30);
            return;
        }
        int ordinal = ordinals.computeIfAbsent(spec.name(), k -> new AtomicInteger()).incrementAndGet();
        String id = spec.name() + "-" + ordinal;
        ReplicaHandle handle;
        try {
            handle = backend.start(spec, id, ordinal - 1);
        } catch (BackendException e) {
            LOG.log(System.Logger.Level.ERROR, "could not start {0}: {1}", id, e.getMessage());
            failed(d, now);
            return;
        }
        Replica r = new Replica(id, handle, now);
        d.replicas.add(r);
        LOG.log(System.Logger.Level.INFO, "started replica {0} (pid {1}, log {2})", id, String.valueOf(handle.pid()), handle.logLocation());
        handle.exited().thenAccept(code -> {
            Replica.State before = r.state();
            if (before != Replica.State.STOPPING && before != Replica.State.GONE && transition(r, before, Replica.State.FAILED)) {
                r.lastError = "process exited with code " + code;
                LOG.log(System.Logger.Level.WARNING, "replica {0} exited with code {1} (log: {2})", id, code, handle.logLocation());
                if (before == Replica.State.READY || before == Replica.State.UNHEALTHY) {
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

    private void watch(Deployment d, Replica r, long now) {
        switch (r.state()) {
            case STARTING -> {
                if (now - r.startedNanos() > settings.startupTimeout().toNanos()) {
                    r.lastError = "not ready after " + settings.startupTimeout().toSeconds() + " s";
                    stop(d, r, r.lastError);
                    failed(d, now);
                    return;
                }
                var endpoint = r.handle().endpoint();
                if (endpoint.isPresent() && now - r.lastProbeNanos > TimeUnit.MILLISECONDS.toNanos(100)) {
                    r.lastProbeNanos = now;
                    r.endpoint(endpoint.get());
                    probes.submit(() -> {
                        HealthProbe.Result res = probe.probe(endpoint.get(), r.handle().healthPath());
                        if (res.healthy() && transition(r, Replica.State.STARTING, Replica.State.READY)) {
                            r.capacity = res.slots();
                            r.ready(System.nanoTime());
                            LOG.log(System.Logger.Level.INFO, "replica {0} ready in {1} ms at {2}:{3}", r.id(),
                                    String.valueOf(r.startupNanos() / 1_000_000), endpoint.get().host(), Integer.toString(endpoint.get().port()));
                            d.signalReady();
                        }
                    });
                }
            }
            case READY, UNHEALTHY -> {
                if (now - r.lastProbeNanos < settings.healthInterval().toNanos()) {
                    return;
                }
                r.lastProbeNanos = now;
                probes.submit(() -> {
                    HealthProbe.Result res = probe.probe(r.endpoint(), r.handle().healthPath());
                    if (res.healthy()) {
                        r.healthFailures = 0;
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
            default -> { }
        }
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

    private void stop(Deployment d, Replica r, String why) {
        Replica.State before;
        synchronized (r) {
            before = r.state();
            if (before == Replica.State.STOPPING || before == Replica.State.GONE) {
                return;
            }
            r.state(Replica.State.STOPPING);
        }
        LOG.log(System.Logger.Level.INFO, "stopping replica {0}: {1}", r.id(), why);
        probes.submit(() -> {
            r.handle().stop(settings.stopGrace());
            transition(r, Replica.State.STOPPING, Replica.State.GONE);
            wake();
        });
    }

    /** Stops every replica and waits for them (bounded by the stop grace). */
    @Override
    public void close() {
        closed = true;
        wake();
        for (Deployment d : deployments.values()) {
            for (Replica r : d.replicas) {
                stop(d, r, "server shutting down");
            }
        }
        probes.shutdown();
        try {
            probes.awaitTermination(settings.stopGrace().toMillis() + 5000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
