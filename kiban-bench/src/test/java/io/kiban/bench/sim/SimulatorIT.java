package io.kiban.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiban.api.Json;
import io.kiban.api.chat.ChatCompletion;
import io.kiban.api.chat.ChatCompletionChunk;
import io.kiban.api.completions.Completion;
import io.kiban.api.embeddings.EmbeddingResponse;
import io.kiban.api.models.ModelList;
import io.kiban.bench.http.HttpTransport;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class SimulatorIT {
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    static HttpResponse<String> post(Simulator sim, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(sim.baseUrl() + path))
                .POST(HttpRequest.BodyPublishers.ofString(body)).header("content-type", "application/json");
        if (headers.length > 0) {
            b.headers(headers);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> get(Simulator sim, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sim.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static String chat(String content, Integer maxTokens, boolean stream) {
        return "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":" + Json.writeString(content) + "}]"
                + (maxTokens == null ? "" : ",\"max_tokens\":" + maxTokens)
                + (stream ? ",\"stream\":true,\"stream_options\":{\"include_usage\":true}" : "") + "}";
    }

    /** Data payloads of an SSE body, in order. */
    static List<String> events(String body) {
        return Stream.of(body.split("\n\n")).filter(s -> s.startsWith("data: ")).map(s -> s.substring(6)).toList();
    }

    private static final Simulator SHARED = Simulator.builder().start();

    @AfterAll
    static void closeShared() {
        SHARED.close();
    }

    @Test
    void chat_completion_has_exact_usage_and_parses_as_the_openai_record() throws Exception {
        HttpResponse<String> r = post(SHARED, "/chat/completions", chat("hello there friend", 5, false));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-sim-replica")).hasValue(SHARED.replicaId());
        ChatCompletion c = Json.MAPPER.readValue(r.body(), ChatCompletion.class);
        assertThat(c.model()).isEqualTo("m");
        assertThat(c.choices()).hasSize(1);
        assertThat(c.choices().getFirst().finishReason()).isEqualTo("length");
        assertThat(c.usage().promptTokens()).isEqualTo(6);
        assertThat(c.usage().completionTokens()).isEqualTo(5);
        assertThat(c.usage().totalTokens()).isEqualTo(11);
        String text = c.choices().getFirst().message().content();
        assertThat(SimTokenizer.count(text)).isEqualTo(5);
    }

    @Test
    void without_max_tokens_the_default_length_is_used_and_finish_is_stop() throws Exception {
        ChatCompletion c = Json.MAPPER.readValue(post(SHARED, "/chat/completions", chat("hi", null, false)).body(),
                ChatCompletion.class);
        assertThat(c.usage().completionTokens()).isEqualTo(16);
        assertThat(c.choices().getFirst().finishReason()).isEqualTo("stop");
    }

    @Test
    void stream_sends_one_chunk_per_token_then_finish_usage_and_done() throws Exception {
        HttpResponse<String> r = post(SHARED, "/chat/completions", chat("hello there friend", 4, true));
        assertThat(r.headers().firstValue("content-type")).hasValue("text/event-stream");
        List<String> ev = events(r.body());
        assertThat(ev).hasSize(4 + 1 + 1 + 1);
        assertThat(ev.getLast()).isEqualTo("[DONE]");
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 4; i++) {
            ChatCompletionChunk ch = Json.MAPPER.readValue(ev.get(i), ChatCompletionChunk.class);
            assertThat(ch.object()).isEqualTo("chat.completion.chunk");
            assertThat(ch.choices().getFirst().finishReason()).isNull();
            text.append(ch.choices().getFirst().delta().content());
        }
        assertThat(Json.MAPPER.readValue(ev.get(0), ChatCompletionChunk.class).choices().getFirst().delta().role())
                .isEqualTo("assistant");
        assertThat(SimTokenizer.count(text)).isEqualTo(4);
        assertThat(Json.MAPPER.readValue(ev.get(4), ChatCompletionChunk.class).choices().getFirst().finishReason())
                .isEqualTo("length");
        ChatCompletionChunk usage = Json.MAPPER.readValue(ev.get(5), ChatCompletionChunk.class);
        assertThat(usage.choices()).isEmpty();
        assertThat(usage.usage().completionTokens()).isEqualTo(4);
        assertThat(usage.usage().promptTokens()).isEqualTo(6);
    }

    @Test
    void stream_without_include_usage_has_no_usage_event() throws Exception {
        String body = "{\"model\":\"m\",\"stream\":true,\"max_tokens\":2,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}";
        List<String> ev = events(post(SHARED, "/chat/completions", body).body());
        assertThat(ev).hasSize(2 + 1 + 1);
        assertThat(ev).noneMatch(e -> e.contains("\"usage\""));
    }

    @Test
    void legacy_completions_stream_and_stop() throws Exception {
        Completion c = Json.MAPPER.readValue(post(SHARED, "/completions",
                "{\"model\":\"m\",\"prompt\":\"say it\",\"max_tokens\":10,\"stop\":[\"sat\"]}").body(), Completion.class);
        assertThat(c.choices().getFirst().text()).isEqualTo("the cat ");
        assertThat(c.choices().getFirst().finishReason()).isEqualTo("stop");
        assertThat(c.usage().promptTokens()).isEqualTo(2);
        List<String> ev = events(post(SHARED, "/completions",
                "{\"model\":\"m\",\"prompt\":\"say it\",\"max_tokens\":3,\"stream\":true}").body());
        assertThat(ev).hasSize(3 + 1 + 1);
        assertThat(Json.MAPPER.readValue(ev.get(1), Completion.class).choices().getFirst().text()).isEqualTo(" cat");
    }

    @Test
    void embeddings_are_deterministic_unit_vectors() throws Exception {
        String body = "{\"model\":\"e\",\"input\":[\"alpha beta\",\"gamma\",\"alpha beta\"]}";
        EmbeddingResponse r = Json.MAPPER.readValue(post(SHARED, "/embeddings", body).body(), EmbeddingResponse.class);
        assertThat(r.data()).hasSize(3);
        assertThat(r.usage().promptTokens()).as("alph|a beta + gamm|a + alph|a beta").isEqualTo(3 + 2 + 3);
        @SuppressWarnings("unchecked")
        List<Number> v0 = (List<Number>) r.data().get(0).embedding();
        assertThat(v0).hasSize(32);
        double norm = v0.stream().mapToDouble(n -> n.doubleValue() * n.doubleValue()).sum();
        assertThat(norm).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
        assertThat(r.data().get(2).embedding()).isEqualTo(r.data().get(0).embedding());
        assertThat(r.data().get(1).embedding()).isNotEqualTo(r.data().get(0).embedding());
        JsonNode b64 = Json.MAPPER.readTree(post(SHARED, "/embeddings",
                "{\"model\":\"e\",\"input\":\"x\",\"encoding_format\":\"base64\"}").body());
        assertThat(java.util.Base64.getDecoder().decode(b64.at("/data/0/embedding").asString())).hasSize(32 * 4);
    }

    @Test
    void models_health_and_unknown_paths() throws Exception {
        try (Simulator sim = Simulator.builder().models("a", "b").strictModels(true).start()) {
            ModelList list = Json.MAPPER.readValue(get(sim, "/v1/models").body(), ModelList.class);
            assertThat(list.data()).extracting(m -> m.id()).containsExactly("a", "b");
            assertThat(get(sim, "/health").statusCode()).isEqualTo(200);
            HttpResponse<String> missing = post(sim, "/chat/completions", chat("x", 1, false));
            assertThat(missing.statusCode()).isEqualTo(404);
            assertThat(missing.body()).contains("model_not_found");
            assertThat(get(sim, "/nope").statusCode()).isEqualTo(404);
            assertThat(get(sim, "/v1/chat/completions").statusCode()).isEqualTo(405);
            HttpResponse<String> bad = post(sim, "/chat/completions", "{not json");
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(Json.MAPPER.readTree(bad.body()).at("/error/code").asString()).isEqualTo("invalid_json");
        }
    }

    @Test
    void readiness_toggles_by_api_and_by_delay() throws Exception {
        try (Simulator sim = Simulator.builder().readyAfter(Duration.ofMillis(300)).start()) {
            assertThat(get(sim, "/health").statusCode()).isEqualTo(503);
            HttpResponse<String> early = post(sim, "/chat/completions", chat("x", 1, false));
            assertThat(early.statusCode()).isEqualTo(503);
            assertThat(early.headers().firstValue("retry-after")).hasValue("1");
            Thread.sleep(350);
            assertThat(get(sim, "/health").statusCode()).isEqualTo(200);
            HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + sim.port() + "/admin/ready?value=false"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(get(sim, "/health").statusCode()).isEqualTo(503);
            sim.setReady(true);
            assertThat(get(sim, "/health").statusCode()).isEqualTo(200);
            assertThat(sim.stats().unready()).isEqualTo(1);
        }
    }

    @Test
    void timing_follows_ttft_and_itl() throws Exception {
        try (Simulator sim = Simulator.builder().ttft(Duration.ofMillis(120)).itl(Duration.ofMillis(30)).start()) {
            long t0 = System.nanoTime();
            HttpResponse<String> r = post(sim, "/chat/completions", chat("x", 5, false));
            double ms = (System.nanoTime() - t0) / 1e6;
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(ms).as("120 + 4 x 30 ms").isBetween(235.0, 600.0);
            t0 = System.nanoTime();
            post(sim, "/chat/completions", chat("x", 5, false), "x-sim-ttft-ms", "10", "x-sim-itl-ms", "0");
            assertThat((System.nanoTime() - t0) / 1e6).as("header overrides").isLessThan(100);
        }
    }

    @Test
    void concurrency_limit_queues_then_rejects_with_429() throws Exception {
        try (Simulator sim = Simulator.builder().maxConcurrency(1).maxQueue(1).ttft(Duration.ofMillis(300)).start()) {
            List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                all.add(HTTP.sendAsync(HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/chat/completions"))
                        .POST(HttpRequest.BodyPublishers.ofString(chat("x", 1, false))).build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            List<HttpResponse<String>> done = all.stream().map(CompletableFuture::join).toList();
            assertThat(done).extracting(HttpResponse::statusCode).containsExactlyInAnyOrder(200, 200, 429);
            HttpResponse<String> rejected = done.stream().filter(r -> r.statusCode() == 429).findFirst().orElseThrow();
            assertThat(rejected.headers().firstValue("retry-after")).hasValue("1");
            assertThat(rejected.body()).contains("queue_full");
            assertThat(sim.stats().rejected()).isEqualTo(1);
        }
    }

    @Test
    void prefix_cache_skips_prefill_of_cached_blocks() throws Exception {
        StringBuilder prompt = new StringBuilder();
        for (int i = 0; i < 400; i++) {
            prompt.append("w").append(i % 100).append(' ');
        }
        try (Simulator sim = Simulator.builder().prefixCache(1000, 16).prefillPerToken(Duration.ofNanos(500_000))
                .start()) {
            long t0 = System.nanoTime();
            HttpResponse<String> first = post(sim, "/chat/completions", chat(prompt.toString(), 1, false));
            double coldMs = (System.nanoTime() - t0) / 1e6;
            t0 = System.nanoTime();
            HttpResponse<String> second = post(sim, "/chat/completions", chat(prompt + "and more", 1, false));
            double warmMs = (System.nanoTime() - t0) / 1e6;
            assertThat(first.headers().firstValue("x-sim-cached-tokens")).hasValue("0");
            assertThat(second.headers().firstValue("x-sim-cached-tokens")).hasValue("400");
            JsonNode usage = Json.MAPPER.readTree(second.body()).get("usage");
            assertThat(usage.at("/prompt_tokens_details/cached_tokens").asInt()).isEqualTo(400);
            assertThat(usage.get("prompt_tokens").asInt()).isEqualTo(402);
            assertThat(coldMs).as("400 tokens x 0.5 ms").isGreaterThan(195);
            assertThat(warmMs).as("2 uncached tokens").isLessThan(100);
            SimStats s = sim.stats();
            assertThat(s.prefixHitBlocks()).isEqualTo(25);
            assertThat(s.prefixMissBlocks()).isEqualTo(25);
            assertThat(s.prefixHitRate()).isEqualTo(0.5);
        }
    }

    @Test
    void faults_every_nth_forced_status_and_runtime_knobs() throws Exception {
        try (Simulator sim = Simulator.builder().errorEvery(3).errorStatus(503).start()) {
            List<Integer> codes = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                codes.add(post(sim, "/chat/completions", chat("x", 1, false)).statusCode());
            }
            assertThat(codes).containsExactly(200, 200, 503, 200, 200, 503);
            HttpResponse<String> forced = post(sim, "/chat/completions", chat("x", 1, false), "x-sim-error-status", "429");
            assertThat(forced.statusCode()).isEqualTo(429);
            assertThat(forced.body()).contains("simulated_error");
            assertThat(post(sim, "/chat/completions", chat("x", 1, false), "x-sim-tokens", "abc").statusCode())
                    .isEqualTo(400);
            HttpResponse<String> knobs = HTTP.send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + sim.port() + "/admin/knobs?error-every=0&error-rate=1&error-status=502"))
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(Json.MAPPER.readTree(knobs.body()).get("error-rate").asDouble()).isEqualTo(1.0);
            assertThat(post(sim, "/chat/completions", chat("x", 1, false)).statusCode()).isEqualTo(502);
            sim.updateKnobs(k -> k.withErrorRate(0));
            assertThat(post(sim, "/chat/completions", chat("x", 1, false)).statusCode()).isEqualTo(200);
            assertThat(sim.stats().injectedErrors()).isEqualTo(4);
        }
    }

    @Test
    void error_rate_is_roughly_the_probability_and_deterministic() {
        try (Simulator a = Simulator.builder().errorRate(0.25).seed(42).start();
                Simulator b = Simulator.builder().errorRate(0.25).seed(42).start()) {
            List<Integer> ca = new ArrayList<>();
            List<Integer> cb = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                ca.add(post(a, "/chat/completions", chat("x", 1, false)).statusCode());
                cb.add(post(b, "/chat/completions", chat("x", 1, false)).statusCode());
            }
            assertThat(ca).isEqualTo(cb);
            long errors = ca.stream().filter(c -> c == 500).count();
            assertThat(errors).isBetween(30L, 70L);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void drop_after_cuts_the_stream_without_done() throws Exception {
        try (Socket s = new Socket("127.0.0.1", SHARED.port())) {
            String body = chat("x", 10, true);
            OutputStream os = s.getOutputStream();
            os.write(("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nx-sim-drop-after: 3\r\ncontent-length: "
                    + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            String all = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(all).startsWith("HTTP/1.1 200");
            assertThat(all.split("data: ", -1)).hasSize(1 + 3);
            assertThat(all).doesNotContain("[DONE]").doesNotEndWith("0\r\n\r\n");
        }
        assertThatThrownBy(() -> post(SHARED, "/chat/completions", chat("x", 10, true), "x-sim-drop-after", "2"))
                .isInstanceOf(IOException.class);
    }

    @Test
    void raw_http_keep_alive_chunked_request_and_expect_continue() throws Exception {
        try (Socket s = new Socket("127.0.0.1", SHARED.port())) {
            OutputStream os = s.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String body = chat("one two", 2, false);
            // 1: chunked body in two chunks, with Expect: 100-continue
            os.write(("POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nexpect: 100-continue\r\n"
                    + "transfer-encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            assertThat(in.readLine()).isEqualTo("HTTP/1.1 100 Continue");
            assertThat(in.readLine()).isEmpty();
            String a = body.substring(0, 10);
            String b = body.substring(10);
            os.write((Integer.toHexString(a.length()) + "\r\n" + a + "\r\n" + Integer.toHexString(b.length()) + "\r\n" + b
                    + "\r\n0\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            Map<String, String> h = readHead(in);
            assertThat(h.get(":status")).isEqualTo("HTTP/1.1 200 OK");
            char[] buf = new char[Integer.parseInt(h.get("content-length"))];
            assertThat(in.read(buf)).isEqualTo(buf.length);
            assertThat(new String(buf)).contains("\"completion_tokens\":2");
            // 2 and 3: pipelined on the same connection
            String req = "GET /health HTTP/1.1\r\nhost: x\r\n\r\n";
            os.write((req + req).getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; i < 2; i++) {
                Map<String, String> hh = readHead(in);
                assertThat(hh.get(":status")).isEqualTo("HTTP/1.1 200 OK");
                char[] b2 = new char[Integer.parseInt(hh.get("content-length"))];
                assertThat(in.read(b2)).isEqualTo(b2.length);
            }
        }
    }

    private static Map<String, String> readHead(BufferedReader in) throws IOException {
        Map<String, String> h = new java.util.HashMap<>();
        h.put(":status", in.readLine());
        String line;
        while (!(line = in.readLine()).isEmpty()) {
            int c = line.indexOf(':');
            h.put(line.substring(0, c).toLowerCase(), line.substring(c + 1).trim());
        }
        return h;
    }

    @Test
    void the_jdk_transport_serves_the_same_api() throws Exception {
        try (Simulator sim = Simulator.builder().transport(HttpTransport.Kind.JDK).start()) {
            ChatCompletion c = Json.MAPPER.readValue(post(sim, "/chat/completions", chat("a b", 3, false)).body(),
                    ChatCompletion.class);
            assertThat(c.usage().completionTokens()).isEqualTo(3);
            List<String> ev = events(post(sim, "/chat/completions", chat("a b", 3, true)).body());
            assertThat(ev).hasSize(3 + 1 + 1 + 1).last().isEqualTo("[DONE]");
        }
    }
}
