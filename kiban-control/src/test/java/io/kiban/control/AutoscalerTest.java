package io.kiban.control;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.control.autoscale.ScalingSpec;
import io.kiban.control.model.ModelOptions;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The autoscaler loop around the decider: it observes a deployment's recorded concurrency and replicas, sets the
 * desired count, keeps the decisions that changed it with their reasons, and decides at once for a request held at
 * zero. Time is stepped by hand except where the loop thread itself is under test.
 */
class AutoscalerTest {
    static final long S = 1_000_000_000L;
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final Supervisor supervisor = new Supervisor(List.of(), new HealthProbe(Duration.ofSeconds(1)),
            Supervisor.Settings.defaults(), registry); // not started: the test plays the backend
    long epoch = 1_700_000_000_000L;
    final Autoscaler autoscaler = new Autoscaler(supervisor, Duration.ofSeconds(2), System::nanoTime, () -> epoch);

    static DeploymentSpec spec(int min, int max, double target) {
        return DeploymentSpec.builtin("m", Path.of("/models/m.gguf"), ModelOptions.DEFAULTS)
                .withScaling(ScalingSpec.of(min, max, target).withWindows(Duration.ofSeconds(10), Duration.ofSeconds(2))
                        .withScaleToZeroGrace(Duration.ofSeconds(4)))
                .withOrigin(DeploymentSpec.ORIGIN_API);
    }

    @AfterEach
    void close() {
        autoscaler.close();
        supervisor.close();
    }

    @Test
    void a_request_held_at_zero_replicas_gets_a_scale_up_decision_at_once() throws Exception {
        autoscaler.start();
        Deployment d = supervisor.deploy(spec(0, 3, 4));
        long t0 = System.nanoTime();

        CompletableFuture<Replica> held = CompletableFuture.supplyAsync(() -> DeploymentTest.acquire(d, Duration.ofSeconds(5)));

        DeploymentTest.await(() -> d.desiredReplicas() == 1);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("not the 2 s tick").isLessThan(Duration.ofMillis(1500));
        assertThat(d.recentDecisions()).singleElement().satisfies(e -> {
            assertThat(e.from()).isZero();
            assertThat(e.to()).isEqualTo(1);
            assertThat(e.reason()).endsWith("→ 1");
        });
        assertThat(registry.get("kiban.deployment.scaling.decisions").tag("direction", "up").counter().count()).isEqualTo(1);
        Replica r = Replicas.ready(d, "m-1", 4);
        assertThat(held.get()).isSameAs(r);
    }

    @Test
    void a_burst_asks_for_replicas_by_the_target_and_an_idle_deployment_returns_to_zero() throws Exception {
        Deployment d = supervisor.deploy(spec(0, 3, 2));
        Replica first = Replicas.ready(d, "m-1", 0); // no slot limit: all 6 requests run on it
        long now = System.nanoTime();
        List<Replica> running = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            running.add(d.acquire(Set.of(), now + S));
        }
        d.desiredReplicas(1);

        var burst = autoscaler.decide(d, now + 2 * S);
        assertThat(burst.desiredReplicas()).isEqualTo(3);
        assertThat(burst.reason()).startsWith("panic");
        assertThat(d.desiredReplicas()).isEqualTo(3);

        running.forEach(d::release);
        long t = now + 2 * S;
        while (d.desiredReplicas() > 0 && t < now + 120 * S) {
            t += 2 * S;
            autoscaler.decide(d, t);
        }
        assertThat(d.desiredReplicas()).isZero();
        // a stable window (10 s) after panic ended, the stable average drains; then the 4 s grace
        assertThat(Duration.ofNanos(t - now)).isBetween(Duration.ofSeconds(14), Duration.ofSeconds(40));
        assertThat(d.recentDecisions()).extracting(ScalingEvent::to).containsSubsequence(3, 0);
        assertThat(d.recentDecisions().getLast().reason()).contains("→ 0");
        assertThat(registry.get("kiban.deployment.scaling.decisions").tag("direction", "down").counter().count())
                .isPositive();
        assertThat(first.state()).isEqualTo(Replica.State.READY); // the loop only sets the count; the supervisor acts
    }

    @Test
    void only_decisions_that_change_the_count_are_kept_and_at_most_twenty() {
        Deployment d = supervisor.deploy(spec(1, 3, 2));
        long now = System.nanoTime();
        for (int i = 0; i < 5; i++) {
            autoscaler.decide(d, now + i * 2 * S);
        }
        assertThat(d.recentDecisions()).isEmpty();
        assertThat(d.lastDecisionReason()).endsWith("→ 1");

        for (int i = 0; i < 30; i++) {
            d.decided(null, i, i + 1, "step " + i, epoch);
        }
        assertThat(d.recentDecisions()).hasSize(20);
        assertThat(d.recentDecisions().getFirst().reason()).isEqualTo("step 10");
    }

    @Test
    void pokes_that_arrive_while_a_decision_is_pending_are_coalesced() throws Exception {
        Deployment d = supervisor.deploy(spec(0, 3, 4));

        autoscaler.decideSoon(d); // the loop thread is not running: the first poke stays queued
        autoscaler.decideSoon(d);
        autoscaler.decideSoon(d);

        assertThat(d.decisionQueued.get()).isTrue();
        autoscaler.start();
        DeploymentTest.await(() -> d.lastDecisionReason() != null); // the one queued decision was made
        assertThat(d.decisionQueued.get()).isFalse();
    }

    @Test
    void external_deployments_keep_one_replica_per_url() {
        Deployment d = supervisor.deploy(DeploymentSpec.external("ext", List.of("http://127.0.0.1:9/v1",
                "http://127.0.0.1:10/v1"), null));

        assertThat(autoscaler.decide(d, System.nanoTime())).isNull();
        assertThat(d.desiredReplicas()).isEqualTo(2);
    }
}
