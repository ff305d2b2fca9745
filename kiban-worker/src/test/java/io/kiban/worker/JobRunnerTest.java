package io.kiban.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
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
}
