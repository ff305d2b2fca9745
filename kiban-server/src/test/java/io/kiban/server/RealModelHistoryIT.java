package io.kiban.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.kiban.api.Json;
import io.kiban.gguf.TinyLlama;
import io.kiban.store.recorder.Recorder;
import io.kiban.store.tenancy.Role;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The "done when" path on real llama.cpp (a worker process running the tiny model the suite writes):
 * a user chats with their key, lists their history through the OpenAI SDK, exports it and sees their usage; and a
 * stream the client leaves is billed with the prompt tokens the worker reported and the tokens it generated.
 */
class RealModelHistoryIT {
    static TestServer server;
    static Tenants tenants;
    static Http http;

    @BeforeAll
    static void start() throws Exception {
        Path dir = Files.createTempDirectory("kiban-real-history-it");
        Path model = dir.resolve("tiny.gguf");
        TinyLlama.write(model);
        server = TestServer.start(dir.resolve("data"), List.of("tiny=" + model + ":parallel=2,threads=1,ctx-size=512"),
                List.of(), 1, Duration.ofSeconds(30));
        server.awaitReady(Duration.ofSeconds(90));
        tenants = new Tenants(server);
        http = new Http(server.port);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static ChatCompletionCreateParams.Builder chat(String content, long max) {
        return ChatCompletionCreateParams.builder().model("tiny").addUserMessage(content).maxCompletionTokens(max)
                .temperature(0.0);
    }

    @Test
    void a_user_chats_lists_history_through_the_sdk_exports_it_and_sees_usage() throws Exception {
        String key = tenants.key(tenants.user("student", Role.USER)).secret();
        OpenAIClient client = server.client(key);
        ChatCompletion whole = client.chat().completions().create(chat("once upon a time", 16).build());
        StringBuilder streamed = new StringBuilder();
        String streamId;
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions()
                .createStreaming(chat("once upon a time", 16).build())) {
            List<ChatCompletionChunk> chunks = s.stream().toList();
            streamId = chunks.getFirst().id();
            chunks.forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(streamed::append)));
        }
        Recorded.settle(server);

        List<ChatCompletion> listed = new ArrayList<>();
        client.chat().completions().list().autoPager().forEach(listed::add);
        assertThat(listed).extracting(ChatCompletion::id).containsExactly(whole.id(), streamId);
        ChatCompletion rebuilt = client.chat().completions().retrieve(streamId);
        assertThat(rebuilt.choices().getFirst().message().content()).hasValue(streamed.toString());
        assertThat(rebuilt.choices().getFirst().message().content()) // temperature 0: the same text both ways
                .isEqualTo(whole.choices().getFirst().message().content());
        assertThat(rebuilt.usage().orElseThrow().promptTokens()).isEqualTo(whole.usage().orElseThrow().promptTokens());

        List<String> export = http.get("/api/v1/history/export", key).body().lines().toList();
        assertThat(export).hasSize(2);
        assertThat(Json.MAPPER.readTree(export.get(1)).path("ttft_ms").isNumber()).isTrue();
        JsonNode total = http.getJson("/api/v1/usage?group_by=model", key).path("data").get(0);
        assertThat(total.path("model").asString()).isEqualTo("tiny");
        assertThat(total.path("requests").asLong()).isEqualTo(2);
        assertThat(total.path("output_tokens").asLong()).isEqualTo(32);
        assertThat(total.path("input_tokens").asLong()).isEqualTo(2 * whole.usage().orElseThrow().promptTokens());
    }

    @Test
    void a_stream_the_client_leaves_is_billed_with_the_workers_prompt_count_and_the_tokens_generated()
            throws Exception {
        String key = tenants.key(tenants.user("leaver", Role.USER)).secret();
        long prompt = server.client(key).chat().completions().create(chat("the little dog", 1).build()).usage()
                .orElseThrow().promptTokens();
        String body = "{\"model\":\"tiny\",\"stream\":true,\"max_tokens\":400,\"temperature\":0,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"the little dog\"}]}";
        StringBuilder seen = new StringBuilder();
        try (Socket s = new Socket("127.0.0.1", server.port)) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                    + "\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            out.flush();
            var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String line;
            int pieces = 0;
            while (pieces < 5 && (line = in.readLine()) != null) {
                if (line.startsWith("data: {")) {
                    String piece = Json.MAPPER.readTree(line.substring(6)).path("choices").path(0).path("delta")
                            .path("content").asString("");
                    if (!piece.isEmpty()) {
                        seen.append(piece);
                        pieces++;
                    }
                }
            }
        }
        JsonNode r = null;
        for (int i = 0; i < 300 && r == null; i++) {
            Recorded.settle(server);
            JsonNode data = http.getJson("/api/v1/history?status=incomplete", key).path("data");
            r = data.isEmpty() ? null : data.get(0);
            Thread.sleep(r == null ? 100 : 0);
        }
        assertThat(r).isNotNull();
        assertThat(r.path("usage").path("prompt_tokens").asLong()).isEqualTo(prompt);
        long completion = r.path("usage").path("completion_tokens").asLong();
        assertThat(completion).isBetween(5L, 399L);
        assertThat(r.path("response").path("choices").get(0).path("message").path("content").asString())
                .startsWith(seen.toString());
        JsonNode total = http.getJson("/api/v1/usage", key).path("total");
        assertThat(total.path("output_tokens").asLong()).isEqualTo(1 + completion);
        assertThat(total.path("input_tokens").asLong()).isEqualTo(2 * prompt);
    }
}
