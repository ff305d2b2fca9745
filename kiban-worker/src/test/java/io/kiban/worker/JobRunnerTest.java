package io.kiban.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Request handling in the worker, on a fake engine whose speed the test controls. */
class JobRunnerTest {

    @Test
    void a_client_that_disconnects_mid_stream_cancels_its_generation() throws Exception {
        System.setProperty("sun.net.httpserver.nodelay", "true");
        FakeEngine engine = new FakeEngine(20);
        WorkerOptions o = new WorkerOptions(Path.of("fake.gguf"), "fake", "127.0.0.1", 0, null, 1, 4, 0, 1, false, "plain", null);
        try (WorkerServer server = new WorkerServer(engine, o).start();
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            HttpResponse<InputStream> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                    + "/v1/completions")).POST(HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\"fake\",\"prompt\":\"go\",\"max_tokens\":1000,\"stream\":true}")).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            r.body().readNBytes(300); // a few tokens have arrived; 1,000 would take 20 s
            r.body().close();
            client.shutdownNow();
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (engine.cancelled.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(engine.cancelled.get()).isEqualTo(1);
            assertThat(engine.finished.get()).isZero();
            assertThat(server.admission().busy()).isZero();
        }
    }

    private static final String TOKEN = "worker-secret";

    private static WorkerOptions options(int parallel) {
        return new WorkerOptions(Path.of("fake.gguf"), "fake", "127.0.0.1", 0, null, parallel, 4, 0, 1, false, "plain", TOKEN);
    }

    private static CompletableFuture<HttpResponse<String>> complete(HttpClient client, WorkerServer server, String id,
            int maxTokens) {
        return client.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/completions"))
                .header("Authorization", "Bearer " + TOKEN).header("x-request-id", id)
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"fake\",\"prompt\":\"go\",\"max_tokens\":"
                        + maxTokens + "}")).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> cancel(HttpClient client, WorkerServer server, String id, String auth)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/kiban/requests/"
                + id + "/cancel")).POST(HttpRequest.BodyPublishers.noBody());
        if (auth != null) {
            b.header("Authorization", auth);
        }
        return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(condition.getAsBoolean()).isTrue();
    }

    @Test
    void a_whole_generation_stops_at_its_next_token_when_the_gateway_cancels_it() throws Exception {
        FakeEngine engine = new FakeEngine(20);
        try (WorkerServer server = new WorkerServer(engine, options(1)).start();
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            // 1,000 tokens would take 20 s; nothing of a whole response is written before the end.
            CompletableFuture<HttpResponse<String>> running = complete(client, server, "req-long", 1000);
            await(() -> server.admission().busy() == 1);

            HttpResponse<String> c = cancel(client, server, "req-long", "Bearer " + TOKEN);
            assertThat(c.statusCode()).isEqualTo(200);
            assertThat(c.body()).contains("\"cancelled\":true");

            HttpResponse<String> r = running.get(5, TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(r.body()).contains("request_cancelled");
            assertThat(engine.cancelled.get()).isEqualTo(1);
            assertThat(engine.finished.get()).isZero();
            await(() -> server.admission().busy() == 0);
            // Finished requests are forgotten: a second cancel finds nothing.
            assertThat(cancel(client, server, "req-long", "Bearer " + TOKEN).statusCode()).isEqualTo(404);
        }
    }

    @Test
    void a_request_cancelled_while_it_waits_for_a_slot_never_runs() throws Exception {
        FakeEngine engine = new FakeEngine(20);
        try (WorkerServer server = new WorkerServer(engine, options(1)).start();
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            CompletableFuture<HttpResponse<String>> first = complete(client, server, "req-a", 25);
            await(() -> server.admission().busy() == 1);
            CompletableFuture<HttpResponse<String>> queued = complete(client, server, "req-b", 25);
            await(() -> server.admission().queued() == 1);

            assertThat(cancel(client, server, "req-b", "Bearer " + TOKEN).statusCode()).isEqualTo(200);

            assertThat(first.get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            HttpResponse<String> b = queued.get(5, TimeUnit.SECONDS);
            assertThat(b.body()).contains("request_cancelled");
            assertThat(engine.finished.get()).isEqualTo(1); // only the first one generated
            assertThat(engine.cancelled.get()).isZero();
        }
    }

    @Test
    void cancelling_needs_the_worker_token_and_a_request_in_flight() throws Exception {
        try (WorkerServer server = new WorkerServer(new FakeEngine(20), options(1)).start();
                HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            HttpResponse<String> anonymous = cancel(client, server, "req-x", null);
            assertThat(anonymous.statusCode()).isEqualTo(401);
            assertThat(anonymous.body()).contains("invalid_worker_token");
            HttpResponse<String> unknown = cancel(client, server, "req-x", "Bearer " + TOKEN);
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(unknown.body()).contains("request_not_found");
            HttpResponse<String> get = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port()
                    + "/kiban/requests/req-x/cancel")).header("Authorization", "Bearer " + TOKEN).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(get.statusCode()).isEqualTo(405);
        }
    }
}
