package io.kiban.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.gguf.TinyLlama;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Scale from zero on a real server with real workers (llama.cpp on the tiny generated model): a first request is
 * held, triggers a scale-up, is answered by the new replica (a warm standby worker), and the deployment returns to
 * zero when idle; the hold's bound and timeout answer 429 and 503 with Retry-After; a replica never carries more
 * requests than its slots.
 */
class ScaleFromZeroIT {
    static Path model;
    static ControlServer server;

    @BeforeAll
    static void start() throws Exception {
        Path dir = Files.createTempDirectory("scale-from-zero-it");
        model = dir.resolve("tiny.gguf");
        TinyLlama.write(model, TinyLlama.Options.defaults().withContextLength(4096));
        server = ControlServer.start(dir.resolve("data"), List.of(), ControlOptions.defaults().withWarmPool(1),
                Duration.ofSeconds(60), null);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static String spec(String name, int min, int max, int parallel, String extra) {
        return "{\"name\":\"" + name + "\",\"model\":\"" + model + "\",\"min_replicas\":" + min + ",\"max_replicas\":"
                + max + ",\"resources\":{\"threads\":1,\"parallel\":" + parallel + ",\"context_size\":4096},"
                + "\"autoscaling\":{\"stable_window_seconds\":3,\"panic_window_seconds\":1,\"scale_to_zero_grace_seconds\":1}"
                + extra + "}";
    }

    @Test
    void a_first_request_is_held_until_a_replica_is_ready_then_answered_and_the_deployment_returns_to_zero()
            throws Exception {
        assertThat(server.call("POST", "/api/v1/deployments", spec("tiny", 0, 1, 2, "")).status()).isEqualTo(201);
        assertThat(server.deployment("tiny").path("replicas")).isEmpty();
        awaitMetric("kiban_warm_pool_workers 1.0");

        long t0 = System.nanoTime();
        var answer = server.chat("tiny", 5);
        long ms = (System.nanoTime() - t0) / 1_000_000;

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(answer.json().path("choices").get(0).path("message").path("content").asString()).isNotEmpty();
        JsonNode d = server.deployment("tiny");
        assertThat(d.path("status").path("ready_replicas").asInt()).isEqualTo(1);
        JsonNode replica = d.path("replicas").get(0);
        assertThat(replica.path("state").asString()).isEqualTo("ready");
        assertThat(replica.path("endpoint").asString()).startsWith("http://127.0.0.1:");
        assertThat(replica.path("slots").asInt()).isEqualTo(2);
        assertThat(replica.path("log").asString()).as("a warm standby took the model").contains("pool-");
        assertThat(d.path("recent_decisions").get(0).path("to").asInt()).isEqualTo(1);
        System.out.printf("scale from zero (warm pool): first answer after %d ms, replica ready after %.3f s%n", ms,
                replica.path("ready_after_seconds").asDouble());

        JsonNode idle = server.awaitDeployment("tiny", Duration.ofSeconds(45),
                v -> v.path("status").path("desired_replicas").asInt() == 0 && v.path("replicas").isEmpty());
        assertThat(idle.path("status").path("state").asString()).isEqualTo("scaled_to_zero");
        assertThat(idle.path("recent_decisions").get(0).path("reason").asString()).endsWith("→ 0");

        String metrics = server.call("GET", "/metrics", null).body();
        assertThat(metrics).containsPattern("kiban_deployment_cold_start_seconds_count\\{deployment=\"tiny\"} 1")
                .contains("kiban_deployment_scaling_decisions_total{deployment=\"tiny\",direction=\"up\"} 1.0")
                .contains("kiban_deployment_replicas_desired{deployment=\"tiny\"} 0.0")
                .contains("kiban_deployment_requests_waiting{deployment=\"tiny\"} 0.0")
                .containsPattern("kiban_deployment_wait_seconds_count\\{deployment=\"tiny\"} [1-9]")
                .containsPattern("kiban_deployment_scaling_decisions_total\\{deployment=\"tiny\",direction=\"down\"} [1-9]");
    }

    @Test
    void beyond_the_hold_queue_a_request_gets_429_and_after_the_hold_timeout_503_both_with_retry_after()
            throws Exception {
        // max 0: the deployment never starts a replica, so requests can only wait
        assertThat(server.call("POST", "/api/v1/deployments", spec("off", 0, 0, 1,
                ",\"hold\":{\"max_waiting\":1,\"timeout_seconds\":2}")).status()).isEqualTo(201);

        var first = CompletableFuture.supplyAsync(() -> {
            try {
                return server.chat("off", 1);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        server.awaitDeployment("off", Duration.ofSeconds(5), v -> v.path("status").path("waiting_requests").asInt() == 1);
        var second = server.chat("off", 1);
        assertThat(second.status()).isEqualTo(429);
        assertThat(second.retryAfter()).isNotNull();
        assertThat(second.json().path("error").path("message").asString()).contains("'off' is starting");
        assertThat(second.json().path("error").path("type").asString()).isEqualTo("rate_limit_error");

        var timedOut = first.get(10, TimeUnit.SECONDS);
        assertThat(timedOut.status()).isEqualTo(503);
        assertThat(timedOut.retryAfter()).isNotNull();
        assertThat(timedOut.json().path("error").path("code").asString()).isEqualTo("model_starting");
        assertThat(server.call("DELETE", "/api/v1/deployments/off", null).status()).isEqualTo(200);
    }

    @Test
    void a_replica_never_carries_more_requests_than_its_slots_the_rest_wait_and_all_are_answered() throws Exception {
        assertThat(server.call("POST", "/api/v1/deployments", spec("slots", 1, 1, 2, "")).status()).isEqualTo(201);
        server.awaitDeployment("slots", Duration.ofSeconds(60), v -> v.path("status").path("ready_replicas").asInt() == 1);

        List<CompletableFuture<ControlServer.Response>> calls = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            calls.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return server.chat("slots", 600);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        AtomicInteger maxInFlight = new AtomicInteger();
        AtomicInteger maxWaiting = new AtomicInteger();
        while (!calls.stream().allMatch(CompletableFuture::isDone)) {
            JsonNode d = server.deployment("slots");
            maxInFlight.accumulateAndGet(d.path("replicas").get(0).path("in_flight").asInt(), Math::max);
            maxWaiting.accumulateAndGet(d.path("status").path("waiting_requests").asInt(), Math::max);
            Thread.sleep(10);
        }
        for (var c : calls) {
            assertThat(c.get().status()).as(c.get().body()).isEqualTo(200);
        }
        assertThat(maxInFlight.get()).isEqualTo(2);
        assertThat(maxWaiting.get()).as("the other two waited at the gateway").isPositive();
        assertThat(server.call("DELETE", "/api/v1/deployments/slots", null).status()).isEqualTo(200);
    }

    static void awaitMetric(String line) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!server.call("GET", "/metrics", null).body().contains(line)) {
            assertThat(System.nanoTime()).as("metrics show " + line).isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
