package io.kiban.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.api.Json;
import io.kiban.gguf.TinyLlama;
import io.kiban.worker.engine.LlamaCppEngine;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The worker with real llama.cpp on a tiny generated model, over real HTTP on loopback: the OpenAI surface, exact
 * token counts, determinism, constrained output, admission and cancellation.
 */
class WorkerIT {
    static Path dir;
    static WorkerServer generator;
    static WorkerServer embedder;
    static LlamaCppEngine generatorEngine;
    static LlamaCppEngine embedderEngine;
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void start() throws Exception {
        System.setProperty("sun.net.httpserver.nodelay", "true");
        dir = Files.createTempDirectory("worker-it");
        Path model = dir.resolve("tiny.gguf");
        TinyLlama.write(model);
        WorkerOptions gen = WorkerOptions.parse(new String[] {"--model", model.toString(), "--name", "tiny",
                "--parallel", "2", "--queue", "1", "--ctx-size", "256", "--threads", "1"});
        generatorEngine = new LlamaCppEngine(gen.engineConfig());
        generator = new WorkerServer(generatorEngine, gen).start();
        WorkerOptions emb = WorkerOptions.parse(new String[] {"--model", model.toString(), "--name", "tiny-emb",
                "--embeddings", "--parallel", "1", "--threads", "1"});
        embedderEngine = new LlamaCppEngine(emb.engineConfig());
        embedder = new WorkerServer(embedderEngine, emb).start();
    }

    @AfterAll
    static void stop() {
        generator.close();
        embedder.close();
    }

    static HttpResponse<String> post(WorkerServer server, String path, String body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode json(HttpResponse<String> r) {
        return Json.MAPPER.readTree(r.body());
    }

    static String chat(String content, int maxTokens, String extra) {
        return "{\"model\":\"tiny\",\"messages\":[{\"role\":\"user\",\"content\":" + Json.writeString(content) + "}],"
                + "\"max_tokens\":" + maxTokens + ",\"temperature\":0" + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    /** The data payloads of an SSE body, without [DONE]. */
    static List<JsonNode> events(String sse) {
        List<JsonNode> out = new ArrayList<>();
        for (String block : sse.split("\n\n")) {
            if (block.startsWith("data: ") && !block.equals("data: [DONE]")) {
                out.add(Json.MAPPER.readTree(block.substring(6)));
            }
        }
        return out;
    }

    @Test
    void chat_answers_with_exact_usage_from_the_models_tokenizer() throws Exception {
        var r = post(generator, "/v1/chat/completions", chat("hello there", 12, ""));
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = json(r);
        assertThat(body.path("object").asString()).isEqualTo("chat.completion");
        assertThat(body.path("choices").get(0).path("finish_reason").asString()).isEqualTo("length");
        String text = body.path("choices").get(0).path("message").path("content").asString();
        assertThat(text).isNotBlank().matches("[\\x20-\\x7E\\n]+");
        int promptTokens = generatorEngine.tokenizePrompt("hello there").length; // the plain template: the content
        assertThat(body.path("usage").path("prompt_tokens").asInt()).isEqualTo(promptTokens);
        assertThat(body.path("usage").path("completion_tokens").asInt()).isEqualTo(12);
        assertThat(body.path("usage").path("total_tokens").asInt()).isEqualTo(promptTokens + 12);
        assertThat(r.headers().firstValue("x-kiban-ttft-ms")).isPresent();
    }

    @Test
    void streamed_text_equals_whole_text_for_the_same_seed_and_usage_comes_last() throws Exception {
        String whole = json(post(generator, "/v1/chat/completions", chat("once upon a time", 24, "\"seed\":7")))
                .path("choices").get(0).path("message").path("content").asString();
        var r = post(generator, "/v1/chat/completions",
                chat("once upon a time", 24, "\"seed\":7,\"stream\":true,\"stream_options\":{\"include_usage\":true}"));
        assertThat(r.headers().firstValue("content-type")).hasValue("text/event-stream");
        assertThat(r.body()).endsWith("data: [DONE]\n\n");
        List<JsonNode> events = events(r.body());
        StringBuilder streamed = new StringBuilder();
        for (JsonNode e : events) {
            for (JsonNode c : e.path("choices")) {
                streamed.append(c.path("delta").path("content").asString(""));
            }
        }
        assertThat(streamed.toString()).isEqualTo(whole);
        assertThat(events.getFirst().path("choices").get(0).path("delta").path("role").asString()).isEqualTo("assistant");
        JsonNode last = events.getLast();
        assertThat(last.path("choices")).isEmpty();
        assertThat(last.path("usage").path("completion_tokens").asInt()).isEqualTo(24);
        JsonNode finish = events.get(events.size() - 2);
        assertThat(finish.path("choices").get(0).path("finish_reason").asString()).isEqualTo("length");
    }

    @Test
    void same_seed_gives_same_text_and_temperature_one_varies_with_the_seed() throws Exception {
        String a = text(post(generator, "/v1/chat/completions", chat("the cat", 20, "\"temperature\":1,\"seed\":11")));
        String b = text(post(generator, "/v1/chat/completions", chat("the cat", 20, "\"temperature\":1,\"seed\":11")));
        String c = text(post(generator, "/v1/chat/completions", chat("the cat", 20, "\"temperature\":1,\"seed\":12")));
        assertThat(a).isEqualTo(b);
        assertThat(c).isNotEqualTo(a);
    }

    static String text(HttpResponse<String> r) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return json(r).path("choices").get(0).path("message").path("content").asString();
    }

    @Test
    void a_stop_sequence_cuts_the_text_before_it_and_finishes_with_stop() throws Exception {
        String whole = text(post(generator, "/v1/chat/completions", chat("a dog", 40, "")));
        String[] words = whole.trim().split("\\s+");
        String stop = words[Math.min(3, words.length - 1)];
        int at = whole.indexOf(stop);
        var r = post(generator, "/v1/chat/completions", chat("a dog", 40, "\"stop\":[" + Json.writeString(stop) + "]"));
        JsonNode body = json(r);
        assertThat(body.path("choices").get(0).path("message").path("content").asString()).isEqualTo(whole.substring(0, at));
        assertThat(body.path("choices").get(0).path("finish_reason").asString()).isEqualTo("stop");
        assertThat(body.path("usage").path("completion_tokens").asInt()).isLessThan(40);
    }

    @Test
    void json_schema_output_parses_and_matches_the_schema() throws Exception {
        String schema = "{\"type\":\"object\",\"properties\":{\"ok\":{\"type\":\"boolean\"}},\"required\":[\"ok\"]}";
        var r = post(generator, "/v1/chat/completions", chat("answer in json", 200,
                "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"a\",\"schema\":" + schema + "}}"));
        JsonNode out = Json.MAPPER.readTree(text(r));
        assertThat(out.path("ok").isBoolean()).isTrue();
        var o = post(generator, "/v1/chat/completions", chat("answer in json", 200, "\"response_format\":{\"type\":\"json_object\"}"));
        String objectText = text(o);
        if (json(o).path("choices").get(0).path("finish_reason").asString().equals("stop")) {
            assertThat(Json.MAPPER.readTree(objectText).isObject()).isTrue();
        } else {
            assertThat(objectText.trim()).startsWith("{");
        }
    }

    @Test
    void n_choices_are_generated_and_counted() throws Exception {
        JsonNode body = json(post(generator, "/v1/chat/completions", chat("hi", 5, "\"n\":2,\"temperature\":1,\"seed\":3")));
        assertThat(body.path("choices")).hasSize(2);
        assertThat(body.path("choices").get(1).path("index").asInt()).isEqualTo(1);
        assertThat(body.path("usage").path("completion_tokens").asInt()).isEqualTo(10);
    }

    @Test
    void legacy_completions_continue_the_prompt() throws Exception {
        var r = post(generator, "/v1/completions", "{\"model\":\"tiny\",\"prompt\":\"the sun\",\"max_tokens\":6,\"temperature\":0,\"echo\":true}");
        JsonNode body = json(r);
        assertThat(body.path("object").asString()).isEqualTo("text_completion");
        assertThat(body.path("choices").get(0).path("text").asString()).startsWith("the sun");
        assertThat(body.path("usage").path("completion_tokens").asInt()).isEqualTo(6);
    }

    @Test
    void bad_requests_get_openai_errors_naming_the_parameter() throws Exception {
        var r = post(generator, "/v1/chat/completions", chat("x", 5, "\"top_p\":7"));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r).path("error").path("param").asString()).isEqualTo("top_p");
        r = post(generator, "/v1/chat/completions", "{\"model\":\"tiny\",\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}");
        assertThat(json(r).path("error").path("param").asString()).isEqualTo("messages[0].role");
        r = post(generator, "/v1/chat/completions", "{\"model\":\"tiny\",\"messages\":");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r).path("error").path("code").asString()).isEqualTo("invalid_json");
        r = post(generator, "/v1/chat/completions", chat("x", 5, "\"n\":1000"));
        assertThat(json(r).path("error").path("param").asString()).isEqualTo("n");
    }

    @Test
    void a_prompt_longer_than_the_context_is_refused_before_any_work() throws Exception {
        var r = post(generator, "/v1/chat/completions", chat("word ".repeat(400), 5, ""));
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode e = json(r).path("error");
        assertThat(e.path("code").asString()).isEqualTo("context_length_exceeded");
        assertThat(e.path("message").asString()).contains("maximum context length is 256 tokens");
        r = post(generator, "/v1/chat/completions", chat("hi", 1000, ""));
        assertThat(json(r).path("error").path("code").asString()).isEqualTo("context_length_exceeded");
    }

    @Test
    void embeddings_are_normalised_and_base64_decodes_to_the_same_floats() throws Exception {
        JsonNode f = json(post(embedder, "/v1/embeddings", "{\"model\":\"tiny-emb\",\"input\":[\"the cat sat\",\"a red ball\"]}"));
        assertThat(f.path("data")).hasSize(2);
        JsonNode v0 = f.path("data").get(0).path("embedding");
        assertThat(v0.size()).isEqualTo(64);
        double norm = 0;
        for (JsonNode x : v0) {
            norm += x.asDouble() * x.asDouble();
        }
        assertThat(Math.sqrt(norm)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
        assertThat(f.path("data").get(1).path("embedding")).isNotEqualTo(v0);
        assertThat(f.path("usage").path("prompt_tokens").asInt()).isEqualTo(
                embedderEngine.tokenizePrompt("the cat sat").length + embedderEngine.tokenizePrompt("a red ball").length);

        JsonNode b = json(post(embedder, "/v1/embeddings", "{\"model\":\"tiny-emb\",\"input\":\"the cat sat\",\"encoding_format\":\"base64\"}"));
        ByteBuffer buf = ByteBuffer.wrap(Base64.getDecoder().decode(b.path("data").get(0).path("embedding").asString()))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < 64; i++) {
            assertThat(buf.getFloat()).isEqualTo(v0.get(i).floatValue());
        }
    }

    @Test
    void the_wrong_endpoint_for_a_model_says_which_option_to_use() throws Exception {
        var r = post(generator, "/v1/embeddings", "{\"model\":\"tiny\",\"input\":\"x\"}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r).path("error").path("message").asString()).contains("embeddings");
        r = post(embedder, "/v1/chat/completions", chat("x", 3, ""));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(json(r).path("error").path("message").asString()).contains("embeddings only");
    }

    @Test
    void beyond_the_slots_and_the_queue_requests_get_429_with_retry_after() throws Exception {
        // 2 slots + 1 queued are busy with long generations; the next request must be refused at once.
        List<CompletableFuture<HttpResponse<String>>> busy = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            busy.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + generator.port() + "/v1/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"tiny\",\"prompt\":\"go\",\"max_tokens\":200,\"temperature\":0}"))
                    .build(), HttpResponse.BodyHandlers.ofString()));
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while ((generator.admission().busy() < 2 || generator.admission().queued() < 1) && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        var r = post(generator, "/v1/chat/completions", chat("x", 3, ""));
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(r.headers().firstValue("retry-after")).hasValue("1");
        assertThat(json(r).path("error").path("code").asString()).isEqualTo("overloaded");
        for (var f : busy) {
            assertThat(f.get().statusCode()).isEqualTo(200);
        }
    }

    @Test
    void a_slot_is_usable_again_after_its_client_went_away_mid_stream() throws Exception {
        HttpClient own = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<InputStream> r = own.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + generator.port()
                + "/v1/completions")).POST(HttpRequest.BodyPublishers.ofString(
                "{\"model\":\"tiny\",\"prompt\":\"go\",\"max_tokens\":250,\"temperature\":0,\"stream\":true}")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        r.body().readNBytes(100);
        r.body().close();
        own.close();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (generator.admission().busy() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(generator.admission().busy()).isZero();
        assertThat(text(post(generator, "/v1/chat/completions", chat("still there?", 5, "")))).isNotBlank();
    }
}
