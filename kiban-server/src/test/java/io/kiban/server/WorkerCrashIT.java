package io.kiban.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.kiban.control.Deployment;
import io.kiban.control.Replica;
import io.kiban.control.Supervisor;
import io.kiban.gguf.TinyLlama;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A worker killed with SIGKILL in the middle of a request: the server stays up, the client is told, the worker returns. */
class WorkerCrashIT {
    static TestServer server;
    static OpenAIClient client;

    @BeforeAll
    static void start() throws Exception {
        Path dir = Files.createTempDirectory("kiban-crash-it");
        Path model = dir.resolve("tiny.gguf");
        TinyLlama.write(model, TinyLlama.Options.defaults().withContextLength(4096));
        server = TestServer.start(dir.resolve("data"), List.of("tiny=" + model + ":parallel=1,threads=1"), List.of(), 16,
                Duration.ofSeconds(30));
        server.awaitReady(Duration.ofSeconds(60));
        client = server.client(server.adminKey);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void a_killed_worker_ends_the_stream_with_an_error_and_is_replaced() throws Exception {
        Deployment d = server.bean(Supervisor.class).get("tiny");
        Replica first = d.replicas().getFirst();
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("tiny").addUserMessage("go")
                .maxCompletionTokens(4000L).temperature(0.0).build();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            Iterator<ChatCompletionChunk> it = stream.stream().iterator();
            assertThat(it.next().choices()).isNotEmpty(); // the stream has started
            ProcessHandle.of(first.handle().pid()).orElseThrow().destroyForcibly(); // SIGKILL
            assertThatThrownBy(() -> it.forEachRemaining(c -> { }))
                    .hasMessageContaining("stopped in the middle of the response");
        }
        // The server is still up ...
        HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port + "/healthz")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        // ... and the next request is held until the replacement worker is ready, then answered.
        var next = client.chat().completions().create(ChatCompletionCreateParams.builder().model("tiny")
                .addUserMessage("hello again").maxCompletionTokens(5L).build());
        assertThat(next.choices().getFirst().message().content()).isPresent();
        assertThat(d.restarts()).isEqualTo(1);
        assertThat(d.replicas()).extracting(Replica::id).doesNotContain(first.id());
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("kiban_worker_restarts_total 1.0");
    }
}
