package io.kiban.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.control.autoscale.ScalingSpec;
import io.kiban.control.balance.BalancingPolicy;
import io.kiban.control.model.ModelOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The request path of a deployment: balancing within slot capacity, holding, and the hold's limits. */
class DeploymentTest {

    static DeploymentSpec spec(int maxWaiting, Duration holdTimeout) {
        return DeploymentSpec.builtin("m", Path.of("/models/m.gguf"), ModelOptions.DEFAULTS)
                .withScaling(ScalingSpec.of(0, 3, 4)).withHold(new HoldSpec(maxWaiting, holdTimeout));
    }

    static long in(Duration d) {
        return System.nanoTime() + d.toNanos();
    }

    @Test
    void a_request_goes_to_the_least_loaded_ready_replica() throws Exception {
        Deployment d = new Deployment(spec(10, Duration.ofSeconds(1)));
        Replica a = Replicas.ready(d, "m-1", 4);
        Replica b = Replicas.ready(d, "m-2", 4);
        Replicas.starting(d, "m-3");

        Replica first = d.acquire(Set.of(), in(Duration.ofSeconds(1)));
        Replica second = d.acquire(Set.of(), in(Duration.ofSeconds(1)));

        assertThat(Set.of(first, second)).containsExactlyInAnyOrder(a, b);
        assertThat(d.inFlight()).isEqualTo(2);
        d.release(first);
        assertThat(d.acquire(Set.of(), in(Duration.ofSeconds(1)))).isSameAs(first);
    }

    @Test
    void a_replica_never_carries_more_requests_than_its_slots_and_the_next_request_waits_for_a_free_one()
            throws Exception {
        Deployment d = new Deployment(spec(10, Duration.ofSeconds(5)));
        Replica a = Replicas.ready(d, "m-1", 2);
        d.acquire(Set.of(), in(Duration.ofSeconds(1)));
        d.acquire(Set.of(), in(Duration.ofSeconds(1)));

        CompletableFuture<Replica> third = CompletableFuture.supplyAsync(() -> acquire(d, Duration.ofSeconds(5)));
        await(() -> d.waiting() == 1);
        assertThat(third).isNotDone();
        assertThat(a.inFlight()).isEqualTo(2);

        d.release(a);
        assertThat(third.get(2, TimeUnit.SECONDS)).isSameAs(a);
        assertThat(a.inFlight()).isEqualTo(2);
        assertThat(d.waiting()).isZero();
    }

    @Test
    void sixty_four_racing_requests_never_overfill_a_replica() throws Exception {
        Deployment d = new Deployment(spec(100, Duration.ofSeconds(10)));
        Replica a = Replicas.ready(d, "m-1", 3);
        Replica b = Replicas.ready(d, "m-2", 5);
        AtomicInteger maxA = new AtomicInteger();
        AtomicInteger maxB = new AtomicInteger();
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 64; i++) {
                pool.submit(() -> {
                    Replica r = acquire(d, Duration.ofSeconds(10));
                    maxA.accumulateAndGet(a.inFlight(), Math::max);
                    maxB.accumulateAndGet(b.inFlight(), Math::max);
                    Thread.sleep(2);
                    d.release(r);
                    return null;
                });
            }
        }
        assertThat(maxA.get()).isLessThanOrEqualTo(3);
        assertThat(maxB.get()).isLessThanOrEqualTo(5);
        assertThat(d.inFlight()).isZero();
    }

    @Test
    void a_request_held_at_zero_replicas_asks_for_a_decision_and_is_forwarded_once_a_replica_is_ready()
            throws Exception {
        Deployment d = new Deployment(spec(10, Duration.ofSeconds(10)));
        AtomicInteger pokes = new AtomicInteger();
        d.onHoldAtZero = pokes::incrementAndGet;
        assertThat(d.desiredReplicas()).isZero();

        CompletableFuture<Replica> held = CompletableFuture.supplyAsync(() -> acquire(d, Duration.ofSeconds(10)));
        await(() -> d.waiting() == 1);
        assertThat(pokes.get()).isEqualTo(1);

        long readyAt = System.nanoTime();
        Replica r = Replicas.ready(d, "m-1", 4);
        assertThat(held.get(2, TimeUnit.SECONDS)).isSameAs(r);
        assertThat(Duration.ofNanos(System.nanoTime() - readyAt)).as("signalled, not polled").isLessThan(Duration.ofMillis(500));
        assertThat(d.window().average(System.nanoTime(), Duration.ofSeconds(6))).isPositive();
    }

    @Test
    void waiting_requests_beyond_what_the_desired_replicas_carry_ask_for_a_decision_without_waiting_for_the_tick()
            throws Exception {
        Deployment d = new Deployment(spec(10, Duration.ofSeconds(5))); // target 4 per replica
        AtomicInteger pokes = new AtomicInteger();
        d.onHoldAtZero = pokes::incrementAndGet;
        d.desiredReplicas(1); // starting, not ready

        try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 1; i <= 4; i++) {
                threads.submit(() -> acquire(d, Duration.ofSeconds(5)));
                int n = i;
                await(() -> d.waiting() == n);
            }
            assertThat(pokes.get()).as("one replica carries four").isZero();
            threads.submit(() -> acquire(d, Duration.ofSeconds(5)));
            await(() -> d.waiting() == 5);
            assertThat(pokes.get()).isEqualTo(1);
            threads.submit(() -> acquire(d, Duration.ofSeconds(5)));
            await(() -> d.waiting() == 6);
            assertThat(pokes.get()).as("every hold beyond what is desired asks; the autoscaler coalesces").isEqualTo(2);
            Replicas.ready(d, "m-1", 8);
            await(() -> d.waiting() == 0);
        }
    }

    @Test
    void beyond_the_hold_queue_a_request_gets_429_saying_the_model_is_starting() throws Exception {
        Deployment d = new Deployment(spec(1, Duration.ofSeconds(5)));
        CompletableFuture.runAsync(() -> acquire(d, Duration.ofSeconds(5)));
        await(() -> d.waiting() == 1);

        assertThatThrownBy(() -> d.acquire(Set.of(), in(Duration.ofSeconds(5))))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.error()).isInstanceOf(ApiError.RateLimited.class);
                    assertThat(e.error().code()).isEqualTo("model_queue_full");
                    assertThat(e.error().message()).contains("'m' is starting");
                    assertThat(ApiError.retryAfterSeconds(e.error())).isPositive();
                });
        Replicas.ready(d, "m-1", 1);
    }

    @Test
    void after_the_deployments_hold_timeout_a_request_gets_503_model_starting_with_retry_after() {
        Deployment d = new Deployment(spec(10, Duration.ofMillis(200)));
        long t0 = System.nanoTime();

        assertThatThrownBy(() -> d.acquire(Set.of(), in(Duration.ofSeconds(30)))) // the gateway would wait longer
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(ApiError.status(e.error())).isEqualTo(503);
                    assertThat(e.error().code()).isEqualTo("model_starting");
                    assertThat(ApiError.retryAfterSeconds(e.error())).isPositive();
                });
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isBetween(Duration.ofMillis(190), Duration.ofSeconds(2));
        assertThat(d.waiting()).isZero();
    }

    @Test
    void when_every_replica_stays_busy_the_timeout_is_a_429_not_a_503() throws Exception {
        Deployment d = new Deployment(spec(10, Duration.ofMillis(100)));
        Replicas.ready(d, "m-1", 1);
        d.acquire(Set.of(), in(Duration.ofSeconds(1)));

        assertThatThrownBy(() -> d.acquire(Set.of(), in(Duration.ofSeconds(1))))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.error().code()).isEqualTo("overloaded"));
    }

    @Test
    void a_request_that_failed_on_every_ready_replica_waits_for_another_one() throws Exception {
        Deployment d = new Deployment(spec(10, Duration.ofSeconds(5)));
        Replicas.ready(d, "m-1", 4);
        CompletableFuture<Replica> retry = CompletableFuture.supplyAsync(() -> {
            try {
                return d.acquire(Set.of("m-1"), in(Duration.ofSeconds(5)));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        await(() -> d.waiting() == 1);
        Replica replacement = Replicas.ready(d, "m-2", 4);
        assertThat(retry.get(2, TimeUnit.SECONDS)).isSameAs(replacement);
    }

    @Test
    void prefix_affinity_sends_every_turn_of_a_conversation_to_the_same_replica() throws Exception {
        Deployment d = new Deployment(spec(10, Duration.ofSeconds(1)).withBalancing(BalancingPolicy.PREFIX_AFFINITY));
        for (int i = 1; i <= 4; i++) {
            Replicas.ready(d, "m-" + i, 8);
        }
        Set<String> chosen = new HashSet<>();
        for (int turn = 1; turn <= 5; turn++) {
            StringBuilder messages = new StringBuilder("{\"role\":\"user\",\"content\":\"Tell me about Kyoto\"}");
            for (int i = 1; i < turn; i++) {
                messages.append(",{\"role\":\"assistant\",\"content\":\"answer ").append(i)
                        .append("\"},{\"role\":\"user\",\"content\":\"more ").append(i).append("\"}");
            }
            byte[] body = ("{\"model\":\"m\",\"messages\":[" + messages + "]}").getBytes(StandardCharsets.UTF_8);
            Replica r = d.acquire(body, Set.of(), in(Duration.ofSeconds(1)));
            chosen.add(r.id());
            d.release(r);
        }
        assertThat(chosen).hasSize(1);
    }

    @Test
    void deleting_the_deployment_fails_its_waiting_requests_at_once() throws Exception {
        Deployment d = new Deployment(spec(10, Duration.ofSeconds(30)));
        CompletableFuture<Replica> held = CompletableFuture.supplyAsync(() -> acquire(d, Duration.ofSeconds(30)));
        await(() -> d.waiting() == 1);

        d.remove();

        assertThat(held).failsWithin(Duration.ofSeconds(2)).withThrowableThat()
                .havingRootCause().isInstanceOfSatisfying(ApiException.class,
                        e -> assertThat(e.error().code()).isEqualTo("model_removed"));
    }

    static Replica acquire(Deployment d, Duration wait) {
        try {
            return d.acquire(Set.of(), in(wait));
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not met within 5 s");
            }
            Thread.sleep(2);
        }
    }
}
