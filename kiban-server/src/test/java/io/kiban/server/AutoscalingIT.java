package io.kiban.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.gguf.TinyLlama;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The autoscaler end to end with real workers on the tiny model: concurrent load takes a deployment from one
 * replica to its maximum (the decider panics), and without load it returns to zero; every step is visible in
 * {@code GET /api/v1/deployments/{name}} with its reason.
 */
class AutoscalingIT {

    @Test
    void concurrent_load_scales_one_replica_up_to_three_and_idleness_scales_back_to_zero() throws Exception {
        Path dir = Files.createTempDirectory("autoscaling-it");
        Path model = dir.resolve("tiny.gguf");
        TinyLlama.write(model, TinyLlama.Options.defaults().withContextLength(4096));
        try (ControlServer server = ControlServer.start(dir.resolve("data"), List.of(), ControlOptions.defaults(),
                Duration.ofSeconds(60), null)) {
            var created = server.call("POST", "/api/v1/deployments", "{\"name\":\"tiny\",\"model\":\"" + model
                    + "\",\"min_replicas\":1,\"max_replicas\":3,\"target_concurrency\":1,"
                    + "\"resources\":{\"threads\":1,\"parallel\":1,\"context_size\":4096},"
                    + "\"autoscaling\":{\"stable_window_seconds\":4,\"panic_window_seconds\":2,\"scale_to_zero_grace_seconds\":1}}");
            assertThat(created.status()).as(created.body()).isEqualTo(201);
            server.awaitDeployment("tiny", Duration.ofSeconds(60), v -> v.path("status").path("ready_replicas").asInt() == 1);

            AtomicBoolean loading = new AtomicBoolean(true);
            AtomicInteger answered = new AtomicInteger();
            AtomicInteger failed = new AtomicInteger();
            ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor();
            long t0 = System.nanoTime();
            for (int i = 0; i < 5; i++) {
                clients.submit(() -> {
                    while (loading.get()) {
                        var r = server.chat("tiny", 300);
                        (r.status() == 200 ? answered : failed).incrementAndGet();
                    }
                    return null;
                });
            }
            JsonNode three = server.awaitDeployment("tiny", Duration.ofSeconds(90),
                    v -> v.path("status").path("ready_replicas").asInt() == 3);
            double seconds = (System.nanoTime() - t0) / 1e9;
            loading.set(false);
            clients.shutdown();
            assertThat(clients.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
            System.out.printf("1 -> 3 replicas under 5 concurrent clients in %.1f s%n", seconds);

            assertThat(failed.get()).as("no request failed while replicas were added").isZero();
            assertThat(answered.get()).isPositive();
            List<Integer> targets = new ArrayList<>();
            three.path("recent_decisions").forEach(e -> targets.add(e.path("to").asInt()));
            assertThat(targets).contains(3);
            assertThat(three.path("recent_decisions").toString()).contains("panic");

            // idle: back to the minimum (1); then allow zero and it goes there too
            server.awaitDeployment("tiny", Duration.ofSeconds(60), v -> v.path("replicas").size() == 1);
            assertThat(server.call("PATCH", "/api/v1/deployments/tiny", "{\"min_replicas\":0}").status()).isEqualTo(200);
            JsonNode zero = server.awaitDeployment("tiny", Duration.ofSeconds(60),
                    v -> v.path("status").path("desired_replicas").asInt() == 0 && v.path("replicas").isEmpty());
            assertThat(zero.path("recent_decisions").get(0).path("to").asInt()).isZero();
        }
    }
}
