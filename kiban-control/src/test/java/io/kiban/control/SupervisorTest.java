package io.kiban.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiban.control.autoscale.ScalingSpec;
import io.kiban.control.backend.FakeBackend;
import io.kiban.control.model.ModelOptions;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The supervisor on the honest fake backend (real HTTP simulators): scaling to the desired count, draining before
 * stopping, rolling a changed spec over, replacing failed replicas and adopting replicas after a restart.
 */
class SupervisorTest {
    static final Path MODEL = Path.of("pom.xml").toAbsolutePath(); // exists: the fake "loads" it
    final FakeBackend backend = new FakeBackend(Duration.ofMillis(50));
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Supervisor supervisor = newSupervisor();

    Supervisor newSupervisor() {
        Supervisor.Settings s = new Supervisor.Settings(Duration.ofMillis(20), Duration.ofMillis(200), 3,
                Duration.ofSeconds(20), Duration.ofSeconds(2), Duration.ofSeconds(5), Duration.ofMillis(10));
        return new Supervisor(List.of(backend), new HealthProbe(Duration.ofSeconds(1)), s, registry).start();
    }

    static DeploymentSpec spec(String name, int min, int max) {
        return DeploymentSpec.builtin(name, MODEL, ModelOptions.parse("parallel=2"))
                .withScaling(ScalingSpec.of(min, max, 2)).withOrigin(DeploymentSpec.ORIGIN_API);
    }

    @AfterEach
    void stop() {
        supervisor.close();
    }

    @Test
    void starts_every_missing_replica_at_once_and_reports_them_ready() throws Exception {
        Deployment d = supervisor.deploy(spec("m", 0, 3));
        assertThat(d.replicas()).isEmpty();

        d.desiredReplicas(3);
        supervisor.wake();

        await(() -> d.readyReplicas() == 3);
        assertThat(d.replicas()).extracting(Replica::id).containsExactlyInAnyOrder("m-1", "m-2", "m-3");
        await(() -> registry.get("kiban.deployment.cold.start").timer().count() == 3); // recorded just after READY
        assertThat(d.lastColdStartNanos()).isPositive();
        assertThat(registry.get("kiban.deployment.replicas.ready").gauge().value()).isEqualTo(3);
    }

    @Test
    void scaling_down_stops_idle_replicas_first_and_drains_a_busy_one_until_its_request_ends() throws Exception {
        Deployment d = supervisor.deploy(spec("m", 2, 2));
        await(() -> d.readyReplicas() == 2);
        Replica busy = d.acquire(Set.of(), System.nanoTime() + 1_000_000_000L);
        Replica idle = d.replicas().stream().filter(r -> r != busy).findFirst().orElseThrow();

        supervisor.update(spec("m", 0, 2));
        d.desiredReplicas(1);
        await(() -> idle.state() == Replica.State.GONE);
        assertThat(busy.state()).isEqualTo(Replica.State.READY);

        d.desiredReplicas(0);
        await(() -> busy.state() == Replica.State.DRAINING);
        Thread.sleep(100);
        assertThat(busy.state()).as("not stopped while its request runs").isEqualTo(Replica.State.DRAINING);
        assertThatThrownBy(() -> d.acquire(Set.of(), System.nanoTime() + 50_000_000L))
                .as("a draining replica gets no new request").hasMessageContaining("is starting");
    }

    @Test
    void a_draining_replica_is_stopped_when_its_last_request_ends() throws Exception {
        Deployment d = supervisor.deploy(spec("m", 1, 1));
        await(() -> d.readyReplicas() == 1);
        Replica r = d.acquire(Set.of(), System.nanoTime() + 1_000_000_000L);
        supervisor.update(spec("m", 0, 1));
        d.desiredReplicas(0);
        await(() -> r.state() == Replica.State.DRAINING);

        d.release(r);

        await(() -> r.state() == Replica.State.GONE);
        await(() -> backend.running().isEmpty());
    }

    @Test
    void scaling_up_takes_back_a_draining_replica_instead_of_starting_one() throws Exception {
        Deployment d = supervisor.deploy(spec("m", 1, 2));
        await(() -> d.readyReplicas() == 1);
        Replica r = d.acquire(Set.of(), System.nanoTime() + 1_000_000_000L);
        supervisor.update(spec("m", 0, 2));
        d.desiredReplicas(0);
        await(() -> r.state() == Replica.State.DRAINING);
        int starts = backend.starts();

        d.desiredReplicas(1);
        supervisor.wake();

        await(() -> r.state() == Replica.State.READY);
        Thread.sleep(100);
        assertThat(backend.starts()).isEqualTo(starts);
        d.release(r);
    }

    @Test
    void a_changed_model_rolls_replicas_over_and_the_old_ones_serve_until_a_new_one_is_ready() throws Exception {
        Deployment d = supervisor.deploy(spec("m", 1, 1));
        await(() -> d.readyReplicas() == 1);
        Replica old = d.replicas().getFirst();

        supervisor.update(spec("m", 1, 1).withHold(HoldSpec.DEFAULTS.withTimeout(Duration.ofSeconds(5))));
        Thread.sleep(100);
        assertThat(d.replicas()).containsExactly(old).as("bounds and hold changes keep the replica");

        DeploymentSpec changed = new DeploymentSpec("m", DeploymentSpec.BUILTIN, MODEL, null, null, List.of(), null,
                ModelOptions.parse("parallel=3"), ScalingSpec.of(1, 1, 3), d.spec().balancing(), d.spec().hold(),
                DeploymentSpec.ORIGIN_API);
        supervisor.update(changed);

        await(() -> old.state() == Replica.State.GONE && d.replicas().size() == 1);
        assertThat(d.replicas()).singleElement().satisfies(r -> {
            assertThat(r.replicaHash()).isEqualTo(changed.replicaHash());
            assertThat(r.state()).isEqualTo(Replica.State.READY);
        });
    }

    @Test
    void a_replica_that_exits_is_replaced_and_counted_as_a_restart() throws Exception {
        Deployment d = supervisor.deploy(spec("m", 1, 1));
        await(() -> d.readyReplicas() == 1);
        Replica first = d.replicas().getFirst();

        ((FakeBackend.FakeReplica) first.handle()).kill(137);

        await(() -> d.readyReplicas() == 1 && !d.replicas().contains(first));
        assertThat(d.restarts()).isEqualTo(1);
        assertThat(first.lastError()).contains("137");
    }

    @Test
    void a_restarted_supervisor_adopts_running_replicas_and_stops_those_of_removed_deployments() throws Exception {
        Deployment d = supervisor.deploy(spec("kept", 2, 2));
        Deployment gone = supervisor.deploy(spec("gone", 1, 1));
        await(() -> d.readyReplicas() == 2 && gone.readyReplicas() == 1);
        Set<Long> pids = d.replicas().stream().map(r -> r.handle().pid()).collect(Collectors.toSet());
        int starts = backend.starts();

        supervisor.close(true);
        backend.restartServer();
        supervisor = newSupervisor();
        Deployment again = supervisor.deploy(spec("kept", 2, 2));
        supervisor.stopUnadopted();

        await(() -> again.readyReplicas() == 2);
        assertThat(again.replicas()).allSatisfy(r -> assertThat(r.adopted()).isTrue());
        assertThat(again.replicas().stream().map(r -> r.handle().pid()).collect(Collectors.toSet())).isEqualTo(pids);
        assertThat(backend.starts()).isEqualTo(starts);
        assertThat(backend.running().keySet()).containsExactlyInAnyOrder("kept-1", "kept-2");
        supervisor.reconcile();
        assertThat(again.desiredReplicas()).isEqualTo(2);
        // new replicas continue the numbering, so no id is reused
        again.desiredReplicas(2);
        supervisor.update(spec("kept", 3, 3));
        await(() -> again.readyReplicas() == 3);
        assertThat(again.replicas()).extracting(Replica::id).contains("kept-3");
    }

    @Test
    void undeploying_drains_and_stops_every_replica() throws Exception {
        Deployment d = supervisor.deploy(spec("m", 2, 2));
        await(() -> d.readyReplicas() == 2);

        assertThat(supervisor.undeploy("m")).isTrue();

        assertThat(supervisor.get("m")).isNull();
        await(() -> backend.running().isEmpty());
        assertThat(registry.find("kiban.deployment.replicas.ready").gauges()).isEmpty();
        assertThat(supervisor.undeploy("m")).isFalse();
    }

    static void await(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 15 s");
            }
            Thread.sleep(5);
        }
    }
}
