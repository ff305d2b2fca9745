package io.kiban.control.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.control.DeploymentSpec;
import io.kiban.control.HealthProbe;
import io.kiban.control.ReplicaEndpoint;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link Backend}, run against every implementation: a replica starts, gets an endpoint, passes its
 * readiness probe and serves a chat completion; stopping it is observed as an exit and is idempotent; a replica that
 * cannot start is reported.
 */
public abstract class BackendContract {
    protected static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private static final HealthProbe PROBE = new HealthProbe(Duration.ofSeconds(2));

    protected Backend backend;

    /** A fresh backend for one test. */
    protected abstract Backend newBackend() throws Exception;

    /** A deployment this backend can serve. */
    protected abstract DeploymentSpec servingSpec();

    /** A deployment whose replica cannot start (its model file is missing, or its program does not exist). */
    protected abstract DeploymentSpec failingSpec();

    /** How long a replica may take to become ready here. */
    protected Duration readyTimeout() {
        return Duration.ofSeconds(60);
    }

    @BeforeEach
    void open() throws Exception {
        backend = newBackend();
    }

    @AfterEach
    void close() {
        backend.close();
    }

    @Test
    void supports_the_runtime_of_its_deployments() {
        assertThat(backend.supports(servingSpec().runtime())).isTrue();
        assertThat(backend.supports("no-such-runtime")).isFalse();
    }

    @Test
    void a_started_replica_becomes_ready_and_answers_a_chat_completion() throws Exception {
        DeploymentSpec spec = servingSpec();
        ReplicaHandle h = backend.start(spec, spec.name() + "-1", 0);
        try {
            ReplicaEndpoint e = awaitReady(h);
            assertThat(e.replicaId()).isEqualTo(spec.name() + "-1");
            HttpResponse<String> res = chat(e, spec.name());
            assertThat(res.statusCode()).as(res.body()).isEqualTo(200);
            assertThat(res.body()).contains("\"choices\"");
            assertThat(h.exited()).isNotDone();
        } finally {
            h.stop(Duration.ofSeconds(10));
        }
    }

    @Test
    void a_stopped_replica_exits_and_no_longer_answers() throws Exception {
        DeploymentSpec spec = servingSpec();
        ReplicaHandle h = backend.start(spec, spec.name() + "-2", 1);
        ReplicaEndpoint e = awaitReady(h);

        h.stop(Duration.ofSeconds(10));

        assertThat(h.exited().get(15, TimeUnit.SECONDS)).isNotNull();
        assertThat(PROBE.probe(e, h.healthPath()).healthy()).isFalse();
    }

    @Test
    void stopping_twice_is_harmless() throws Exception {
        DeploymentSpec spec = servingSpec();
        ReplicaHandle h = backend.start(spec, spec.name() + "-3", 2);
        awaitReady(h);
        h.stop(Duration.ofSeconds(10));
        int code = h.exited().get(15, TimeUnit.SECONDS);

        h.stop(Duration.ofSeconds(10));

        assertThat(h.exited().get(1, TimeUnit.SECONDS)).isEqualTo(code);
    }

    @Test
    void a_replica_that_cannot_start_is_reported() throws Exception {
        DeploymentSpec spec = failingSpec();
        ReplicaHandle h;
        try {
            h = backend.start(spec, spec.name() + "-1", 0);
        } catch (BackendException reported) {
            assertThat(reported.getMessage()).contains(spec.name());
            return;
        }
        try {
            int code = h.exited().get(readyTimeout().toMillis(), TimeUnit.MILLISECONDS);
            assertThat(code).isNotZero();
            assertThat(h.endpoint().filter(e -> PROBE.probe(e, h.healthPath()).healthy())).isEmpty();
        } finally {
            h.stop(Duration.ofSeconds(5));
        }
    }

    /** Polls the handle's endpoint until its readiness probe passes. */
    protected ReplicaEndpoint awaitReady(ReplicaHandle h) throws InterruptedException {
        return awaitReady(h, readyTimeout());
    }

    static ReplicaEndpoint awaitReady(ReplicaHandle h, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            assertThat(h.exited()).as("the replica exited before it was ready; log: %s", h.logLocation()).isNotDone();
            var e = h.endpoint();
            if (e.isPresent() && PROBE.probe(e.get(), h.healthPath()).healthy()) {
                return e.get();
            }
            Thread.sleep(20);
        }
        throw new AssertionError("not ready within " + timeout + "; log: " + h.logLocation());
    }

    protected static HttpResponse<String> chat(ReplicaEndpoint e, String model) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + e.host() + ":" + e.port() + e.basePath()
                + "/chat/completions")).timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model
                        + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":3}"));
        if (e.authorization() != null) {
            b.header("Authorization", e.authorization());
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
