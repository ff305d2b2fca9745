package io.kiban.control.backend;

import io.kiban.bench.sim.Simulator;
import io.kiban.control.DeploymentSpec;
import io.kiban.control.ReplicaEndpoint;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An honest fake of a machine that runs replicas: each replica is a real OpenAI-compatible {@link Simulator} on a
 * loopback port, in this JVM. It keeps the promises of {@link Backend}: a replica becomes ready after
 * {@code startDelay}, serves real HTTP, exits with code 143 when stopped (once), and a replica whose model file does
 * not exist exits at once with code 3, as a worker does. Replicas outlive a {@code Supervisor} that is closed with
 * {@code keepReplicas}, so a second supervisor on the same fake adopts them, as a restarted server does.
 */
public final class FakeBackend implements Backend {

    /** One simulated replica process. */
    public final class FakeReplica implements ReplicaHandle {
        final String id;
        final String deployment;
        final String hash;
        final long pid = PIDS.incrementAndGet();
        final Simulator sim;
        final CompletableFuture<Integer> exited = new CompletableFuture<>();

        FakeReplica(String id, String deployment, String hash, Simulator sim) {
            this.id = id;
            this.deployment = deployment;
            this.hash = hash;
            this.sim = sim;
        }

        @Override
        public Optional<ReplicaEndpoint> endpoint() {
            return sim == null || exited.isDone() ? Optional.empty()
                    : Optional.of(new ReplicaEndpoint(id, "127.0.0.1", sim.port(), "/v1", null));
        }

        @Override
        public String healthPath() {
            return "/health";
        }

        @Override
        public CompletableFuture<Integer> exited() {
            return exited;
        }

        @Override
        public long pid() {
            return pid;
        }

        @Override
        public void stop(Duration grace) {
            kill(143);
        }

        /** Ends the replica as a crash would. */
        public void kill(int code) {
            if (sim != null) {
                sim.close();
            }
            running.remove(id);
            exited.complete(code);
        }

        public Simulator simulator() {
            return sim;
        }

        @Override
        public String logLocation() {
            return null;
        }
    }

    private static final AtomicInteger PIDS = new AtomicInteger(100_000);

    private final Duration startDelay;
    private final Set<String> runtimes;
    private final Map<String, FakeReplica> running = new ConcurrentHashMap<>();
    private final Set<String> claimed = ConcurrentHashMap.newKeySet();
    private final AtomicInteger starts = new AtomicInteger();

    public FakeBackend(Duration startDelay) {
        this(startDelay, Set.of(DeploymentSpec.BUILTIN, DeploymentSpec.COMMAND));
    }

    public FakeBackend(Duration startDelay, Set<String> runtimes) {
        this.startDelay = startDelay;
        this.runtimes = runtimes;
    }

    @Override
    public boolean supports(String runtime) {
        return runtimes.contains(runtime);
    }

    @Override
    public ReplicaHandle start(DeploymentSpec spec, String replicaId, int ordinal) {
        starts.incrementAndGet();
        if (spec.model() != null && !Files.isRegularFile(spec.model())) {
            FakeReplica dead = new FakeReplica(replicaId, spec.name(), spec.replicaHash(), null);
            dead.exited.complete(3); // "cannot load the model", like kiban worker
            return dead;
        }
        Simulator sim = Simulator.builder().port(0).models(spec.name()).readyAfter(startDelay)
                .maxConcurrency(spec.options().parallel()).start();
        FakeReplica r = new FakeReplica(replicaId, spec.name(), spec.replicaHash(), sim);
        running.put(replicaId, r);
        return r;
    }

    @Override
    public List<AdoptedReplica> adopt(DeploymentSpec spec) {
        List<AdoptedReplica> out = new ArrayList<>();
        for (FakeReplica r : running.values()) {
            if (r.deployment.equals(spec.name()) && r.hash.equals(spec.replicaHash()) && claimed.add(r.id)) {
                out.add(new AdoptedReplica(r.id, r));
            }
        }
        return out;
    }

    @Override
    public void stopUnadopted() {
        for (FakeReplica r : List.copyOf(running.values())) {
            if (!claimed.contains(r.id)) {
                r.kill(143);
            }
        }
    }

    /** Forgets which replicas were adopted: the next supervisor is a new server. */
    public void restartServer() {
        claimed.clear();
    }

    /** Replicas running now. */
    public Map<String, FakeReplica> running() {
        return Map.copyOf(running);
    }

    /** Replicas started so far (adoptions not counted). */
    public int starts() {
        return starts.get();
    }

    @Override
    public void close() {
        // A machine: replicas run on until stopped.
    }
}
