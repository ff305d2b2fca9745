package io.kiban.control.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.control.DeploymentSpec;
import io.kiban.control.ReplicaEndpoint;
import io.kiban.control.model.ModelOptions;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Real standby workers ({@code kiban worker --standby}) taking a model instead of a fresh start. */
class WarmPoolIT extends BackendContract {
    private Path root;

    @Override
    protected Backend newBackend() throws Exception {
        ProcessBackendIT.model();
        root = Files.createTempDirectory(ProcessBackendIT.dir, "warm");
        return new ProcessBackend(ProcessBackendIT.config(root));
    }

    @Override
    protected DeploymentSpec servingSpec() {
        return DeploymentSpec.builtin("tiny", ProcessBackendIT.model, ModelOptions.parse("parallel=2,threads=1,ctx-size=256"));
    }

    @Override
    protected DeploymentSpec failingSpec() {
        return DeploymentSpec.builtin("broken", ProcessBackendIT.dir.resolve("missing.gguf"), ModelOptions.parse("threads=1"));
    }

    @BeforeEach
    void fillPool() throws Exception {
        ProcessBackend pb = (ProcessBackend) backend;
        pb.warmPool(1);
        awaitListening(pb, 1);
    }

    @AfterEach
    void poolEmptiedOnClose() throws Exception {
        backend.close();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (poolDirs().findAny().isPresent() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(poolDirs()).as("standby run directories are removed when the backend closes").isEmpty();
    }

    @Test
    void a_new_replica_is_a_standby_worker_that_loaded_the_model_and_the_pool_refills() throws Exception {
        ProcessBackend pb = (ProcessBackend) backend;
        long t0 = System.nanoTime();
        ReplicaHandle h = pb.start(servingSpec(), "tiny-7", 6);
        try {
            ReplicaEndpoint e = awaitReady(h);
            long readyMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(h.logLocation()).contains("pool-");
            assertThat(Files.readString(Path.of(h.logLocation()))).contains("taken from the warm pool as tiny-7");
            assertThat(chat(e, "tiny").statusCode()).isEqualTo(200);
            System.out.printf("warm pool: replica ready %d ms after start%n", readyMs);
            awaitListening(pb, 1);
        } finally {
            h.stop(Duration.ofSeconds(10));
        }
    }

    @Test
    void a_standby_refuses_a_load_without_its_token() throws Exception {
        Path standby = poolDirs().findFirst().orElseThrow();
        int port = Integer.parseInt(Files.readString(standby.resolve("standby-port")).trim());
        HttpResponse<String> res = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/admin/load"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"args\":[\"--model\",\"/etc/passwd\"]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(res.statusCode()).isEqualTo(401);
        HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(503);
        assertThat(health.body()).contains("standby");
    }

    private Stream<Path> poolDirs() throws Exception {
        Path run = root.resolve("run");
        if (!Files.isDirectory(run)) {
            return Stream.empty();
        }
        try (var s = Files.list(run)) {
            return s.filter(p -> p.getFileName().toString().startsWith("pool-")).toList().stream();
        }
    }

    static void awaitListening(ProcessBackend pb, int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (pb.warmPoolListening() < n) {
            assertThat(System.nanoTime()).as("standby workers listening within 60 s").isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
