package io.kiban.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.api.Json;
import io.kiban.gateway.FakeRouter.FakeRoute;
import io.kiban.gateway.spi.Endpoint;
import io.kiban.gateway.spi.Principal;
import io.kiban.gateway.spi.RequestRecord;
import io.kiban.gateway.testing.FakeRuntime;
import io.kiban.gateway.testing.RawServer;
import io.kiban.gateway.testing.TokenModel;
import io.kiban.gateway.upstream.Http1Client;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

/**
 * Failover the client never sees, at the socket level: a stream whose replica dies continues on another one, held
 * streams get SSE comments, runtimes that refuse before any work are retried, poison requests are not sent to every
 * replica, and upstream internals never reach the client.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class FailoverIT {
    private static final Principal USER = new Principal("u1", "k1", "p1", false, Set.of(), false);
    static final String STREAM = "{\"model\":\"m\",\"stream\":true,\"max_tokens\":50,\"messages\":[{\"role\":\"user\",\"content\":\"Say\"}]}";
    static final String STREAM_USAGE = "{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Say\"}]}";

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final FakeAuthenticator auth = new FakeAuthenticator().with("good", USER);
    private final FakeRouter router = new FakeRouter();
    private final RecordingListener listener = new RecordingListener(true);
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final Http1Client client = new Http1Client(Duration.ofMillis(500), Duration.ofSeconds(5), Duration.ofSeconds(20), 8);
    private GatewayConfig config = new GatewayConfig(64 * 1024, 1024 * 1024, Duration.ofSeconds(3), 3);

    @AfterEach
    void tearDown() throws Exception {
        client.close();
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    private RecordingExchange handle(RecordingExchange ex) {
        new Gateway(auth, router, client, new GatewayMetrics(registry), List.of(listener), config).handle(ex);
        return ex;
    }

    private RawServer raw(RawServer.Script script) throws IOException {
        RawServer s = new RawServer(script);
        closeables.add(s);
        return s;
    }

    /** A replica of the token model that dies after {@code dieAfter} events on its first request (-1: never). */
    private RawServer replica(String id, boolean reportPrompt, int dieAfter, List<TokenModel.Asked> asked) throws IOException {
        TokenModel model = new TokenModel(id, reportPrompt);
        return raw(conn -> {
            while (true) {
                asked.add(model.serve(conn, dieAfter));
                if (dieAfter >= 0) {
                    return;
                }
            }
        });
    }

    private static Endpoint endpoint(String id, int port) {
        return new Endpoint(id, "127.0.0.1", port, "/v1", null);
    }

    private static List<JsonNode> data(String stream) {
        List<JsonNode> out = new ArrayList<>();
        for (String e : stream.split("(?<=\n\n)")) {
            if (e.startsWith("data: ") && !e.startsWith("data: [DONE]")) {
                out.add(Json.MAPPER.readTree(e.substring(6)));
            }
        }
        return out;
    }

    private static String content(List<JsonNode> chunks) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode c : chunks) {
            for (JsonNode choice : c.path("choices")) {
                sb.append(choice.path("delta").path("content").asString(choice.path("text").asString("")));
            }
        }
        return sb.toString();
    }

    private double failovers(String stage, String outcome) {
        Counter c = registry.find("kiban.failovers").tags("model", "m", "stage", stage, "outcome", outcome).counter();
        return c == null ? 0 : c.count();
    }

    // ---- mid-stream continuation ----

    @Test
    void a_stream_whose_replica_dies_midway_continues_on_another_and_reads_as_one_stream() throws IOException {
        List<TokenModel.Asked> asked = new CopyOnWriteArrayList<>();
        RawServer dying = replica("chatcmpl-A", true, 3, asked);
        RawServer spare = replica("chatcmpl-B", true, -1, asked);
        FakeRoute route = router.add("m", endpoint("dying", dying.port()), endpoint("spare", spare.port()));

        RecordingExchange ex = handle(RecordingExchange.chat(STREAM_USAGE));

        String text = ex.text();
        List<JsonNode> chunks = data(text);
        assertThat(ex.status()).isEqualTo(200);
        assertThat(content(chunks)).isEqualTo(TokenModel.TEXT);
        assertThat(chunks).extracting(c -> c.path("id").asString()).containsOnly("chatcmpl-A");
        assertThat(chunks).extracting(c -> c.path("created").asLong()).containsOnly(1000L);
        assertThat(text.split("\"role\"", -1)).hasSize(2); // one role announcement
        assertThat(text.split("finish_reason\":\"", -1)).hasSize(2); // one finish
        assertThat(text).endsWith("data: [DONE]\n\n").doesNotContain("error");
        JsonNode usage = chunks.getLast().path("usage");
        assertThat(usage.path("prompt_tokens").asInt()).isEqualTo(TokenModel.PROMPT);
        assertThat(usage.path("completion_tokens").asInt()).isEqualTo(TokenModel.TOKENS.size());
        assertThat(usage.path("total_tokens").asInt()).isEqualTo(TokenModel.PROMPT + TokenModel.TOKENS.size());

        JsonNode continuation = asked.get(1).json();
        assertThat(asked.get(1).continuedTokens()).isEqualTo(3);
        JsonNode last = continuation.path("messages").get(1);
        assertThat(last.path("role").asString()).isEqualTo("assistant");
        assertThat(last.path("content").asString()).isEqualTo(" Once upon a");
        assertThat(continuation.path("continue_final_message").asBoolean()).isTrue();
        assertThat(continuation.path("add_generation_prompt").asBoolean(true)).isFalse();
        assertThat(route.releases).containsExactly("dying failed", "spare ok");
        assertThat(failovers("mid_stream", "continued")).isEqualTo(1);
        assertThat(registry.get("kiban.stream.failover.gap").tags("model", "m").timer().count()).isEqualTo(1);
        System.out.printf("FailoverIT: gap without text at the gateway (no model time): %.2f ms%n",
                registry.get("kiban.stream.failover.gap").tags("model", "m").timer().max(TimeUnit.MILLISECONDS));
        RequestRecord r = listener.only();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.promptTokens()).isEqualTo(TokenModel.PROMPT);
        assertThat(r.completionTokens()).isEqualTo(TokenModel.TOKENS.size());
        assertThat(r.responseBody()).isEqualTo(TokenModel.TEXT);
    }

    @Test
    void the_output_budget_shrinks_by_the_tokens_already_sent_and_usage_is_withheld_when_not_asked_for() throws IOException {
        List<TokenModel.Asked> asked = new CopyOnWriteArrayList<>();
        RawServer dying = replica("chatcmpl-A", true, 2, asked);
        RawServer spare = replica("chatcmpl-B", true, -1, asked);
        router.add("m", endpoint("dying", dying.port()), endpoint("spare", spare.port()));
        String body = "{\"model\":\"m\",\"stream\":true,\"max_tokens\":6,\"messages\":[{\"role\":\"user\",\"content\":\"Say\"}]}";

        RecordingExchange ex = handle(RecordingExchange.chat(body));

        assertThat(asked.get(1).json().path("max_tokens").asInt()).isEqualTo(4);
        assertThat(asked.get(1).json().path("stream_options").path("include_usage").asBoolean()).isTrue();
        assertThat(content(data(ex.text()))).isEqualTo(String.join("", TokenModel.TOKENS.subList(0, 6)));
        assertThat(ex.text()).doesNotContain("usage").contains("\"finish_reason\":\"length\"").endsWith("data: [DONE]\n\n");
        assertThat(listener.only().completionTokens()).isEqualTo(6); // metered from the withheld usage chunk
    }

    @Test
    void without_the_prompt_size_header_usage_is_split_by_the_text_events_before_the_break() throws IOException {
        List<TokenModel.Asked> asked = new CopyOnWriteArrayList<>();
        RawServer dying = replica("chatcmpl-A", false, 5, asked); // as vLLM: no x-kiban-prompt-tokens
        RawServer spare = replica("chatcmpl-B", false, -1, asked);
        router.add("m", endpoint("dying", dying.port()), endpoint("spare", spare.port()));

        RecordingExchange ex = handle(RecordingExchange.chat(STREAM_USAGE));

        JsonNode usage = data(ex.text()).getLast().path("usage");
        assertThat(usage.path("prompt_tokens").asInt()).isEqualTo(TokenModel.PROMPT);
        assertThat(usage.path("completion_tokens").asInt()).isEqualTo(TokenModel.TOKENS.size());
    }

    @Test
    void a_legacy_completion_continues_with_the_prompt_plus_the_text_so_far() throws IOException {
        List<TokenModel.Asked> asked = new CopyOnWriteArrayList<>();
        RawServer dying = replica("cmpl-A", true, 4, asked);
        RawServer spare = replica("cmpl-B", true, -1, asked);
        router.add("m", endpoint("dying", dying.port()), endpoint("spare", spare.port()));

        RecordingExchange ex = handle(RecordingExchange.post("/v1/completions",
                "{\"model\":\"m\",\"prompt\":\"Say:\",\"max_tokens\":20,\"stream\":true}"));

        assertThat(content(data(ex.text()))).isEqualTo(TokenModel.TEXT);
        assertThat(data(ex.text())).extracting(c -> c.path("id").asString()).containsOnly("cmpl-A");
        assertThat(asked.get(1).json().path("prompt").asString()).isEqualTo("Say: Once upon a time");
        assertThat(asked.get(1).json().path("max_tokens").asInt()).isEqualTo(16);
        assertThat(ex.text()).endsWith("data: [DONE]\n\n");
    }

    @Test
    void a_stream_whose_only_replica_dies_ends_with_an_error_event_when_none_comes_back() throws IOException {
        List<TokenModel.Asked> asked = new CopyOnWriteArrayList<>();
        RawServer dying = replica("chatcmpl-A", true, 3, asked);
        FakeRoute route = router.add("m", endpoint("dying", dying.port()));

        RecordingExchange ex = handle(RecordingExchange.chat(STREAM));

        List<JsonNode> chunks = data(ex.text());
        assertThat(content(chunks)).isEqualTo(" Once upon a");
        assertThat(chunks.getLast().path("error").path("code").asString()).isEqualTo("upstream_disconnected");
        assertThat(ex.text()).doesNotContain("[DONE]");
        assertThat(route.releases).containsExactly("dying failed");
        assertThat(failovers("mid_stream", "gave_up")).isEqualTo(1);
        assertThat(listener.only().status()).isEqualTo(502);
    }

    @Test
    void a_stream_that_cannot_be_continued_ends_with_an_error_event_and_the_spare_is_not_asked() throws IOException {
        List<TokenModel.Asked> asked = new CopyOnWriteArrayList<>();
        RawServer dying = replica("chatcmpl-A", true, 3, asked);
        RawServer spare = replica("chatcmpl-B", true, -1, asked);
        router.add("m", endpoint("dying", dying.port()), endpoint("spare", spare.port()));
        String schema = "{\"model\":\"m\",\"stream\":true,\"response_format\":{\"type\":\"json_object\"},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Say\"}]}";

        RecordingExchange ex = handle(RecordingExchange.chat(schema));

        List<JsonNode> chunks = data(ex.text());
        assertThat(chunks.getLast().path("error").path("code").asString()).isEqualTo("upstream_disconnected");
        assertThat(chunks.getLast().path("error").path("message").asString()).contains("response_format");
        assertThat(asked).hasSize(1);
        assertThat(spare.requests()).isZero();
    }

    @Test
    void a_request_that_kills_its_continuation_too_is_not_sent_to_a_third_replica() throws IOException {
        List<TokenModel.Asked> asked = new CopyOnWriteArrayList<>();
        RawServer first = replica("chatcmpl-A", true, 3, asked);
        RawServer second = replica("chatcmpl-B", true, 2, asked);
        RawServer third = replica("chatcmpl-C", true, -1, asked);
        router.add("m", endpoint("first", first.port()), endpoint("second", second.port()), endpoint("third", third.port()));

        RecordingExchange ex = handle(RecordingExchange.chat(STREAM));

        List<JsonNode> chunks = data(ex.text());
        assertThat(content(chunks)).isEqualTo(" Once upon a time there");
        assertThat(chunks.getLast().path("error").path("code").asString()).isEqualTo("upstream_crashed");
        assertThat(third.requests()).isZero();
        assertThat(failovers("mid_stream", "poison")).isEqualTo(1);
    }

    @Test
    void a_stream_that_broke_after_its_finish_chunk_is_completed_by_the_gateway() throws IOException {
        List<TokenModel.Asked> asked = new CopyOnWriteArrayList<>();
        RawServer dying = replica("chatcmpl-A", true, TokenModel.TOKENS.size() + 1, asked); // tokens and finish, no usage
        RawServer spare = replica("chatcmpl-B", true, -1, asked);
        router.add("m", endpoint("dying", dying.port()), endpoint("spare", spare.port()));

        RecordingExchange ex = handle(RecordingExchange.chat(STREAM_USAGE));

        List<JsonNode> chunks = data(ex.text());
        assertThat(content(chunks)).isEqualTo(TokenModel.TEXT);
        assertThat(chunks.getLast().path("usage").path("completion_tokens").asInt()).isEqualTo(TokenModel.TOKENS.size());
        assertThat(chunks.getLast().path("usage").path("prompt_tokens").asInt()).isEqualTo(TokenModel.PROMPT);
        assertThat(ex.text()).endsWith("data: [DONE]\n\n");
        assertThat(spare.requests()).isZero();
        assertThat(failovers("mid_stream", "completed")).isEqualTo(1);
    }

    @Test
    void a_runtime_that_sends_garbage_mid_stream_ends_it_with_bad_upstream_response() throws IOException {
        RawServer garbage = raw(conn -> {
            conn.readRequest();
            conn.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
            conn.chunk(FakeRuntime.chatEvents().get(1));
            conn.chunk("data: Traceback (most recent call last): at /opt/secret/app.py\n\n");
            conn.chunk(FakeRuntime.chatEvents().get(2));
            conn.write("0\r\n\r\n");
        });
        router.add("m", endpoint("r1", garbage.port()));

        RecordingExchange ex = handle(RecordingExchange.chat(STREAM));

        assertThat(ex.text()).startsWith(FakeRuntime.chatEvents().get(1)).doesNotContain("Traceback").doesNotContain("secret");
        assertThat(data(ex.text()).getLast().path("error").path("code").asString()).isEqualTo("bad_upstream_response");
        assertThat(listener.only().status()).isEqualTo(502);
    }

    // ---- held streams ----

    @Test
    void a_held_stream_gets_comments_until_a_replica_is_ready_then_its_content_at_once() throws Exception {
        config = config.withHeartbeat(Duration.ofMillis(100));
        FakeRuntime runtime = new FakeRuntime();
        closeables.add(runtime);
        long[] readyAt = new long[1];
        long[] arrivedAt = new long[1];
        runtime.answer((ex, req) -> {
            arrivedAt[0] = System.nanoTime();
            FakeRuntime.openAi(ex, req);
        });
        FakeRoute route = router.add("m");
        Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(450); // a few heartbeats
            } catch (InterruptedException e) {
                return;
            }
            readyAt[0] = System.nanoTime();
            route.add(endpoint("r1", runtime.port()));
        });

        RecordingExchange ex = handle(RecordingExchange.chat(STREAM));

        String text = ex.text();
        assertThat(ex.status()).isEqualTo(200);
        assertThat(ex.responseHeader("Content-Type")).isEqualTo("text/event-stream");
        assertThat(text).startsWith(": waiting for model m (replica starting)\n\n");
        String comments = text.substring(0, text.indexOf("data: "));
        assertThat(comments.split("\n\n")).hasSizeBetween(2, 8).containsOnly(": waiting for model m (replica starting)");
        assertThat(text.substring(comments.length())).isEqualTo(String.join("", FakeRuntime.chatEvents()) + "data: [DONE]\n\n");
        long share = arrivedAt[0] - readyAt[0];
        System.out.printf("scale-from-zero gateway share (replica ready -> request at the replica): %.2f ms%n", share / 1e6);
        assertThat(share).isLessThan(Duration.ofMillis(500).toNanos()); // a sanity bound; measured in docs/benchmarks
        assertThat(listener.only().status()).isEqualTo(200);
    }

    @Test
    void a_held_stream_that_waits_in_vain_ends_with_the_routes_refusal_as_its_final_event() {
        config = new GatewayConfig(64 * 1024, 1024 * 1024, Duration.ofMillis(1500), 3).withHeartbeat(Duration.ofMillis(200));
        router.add("m");

        RecordingExchange ex = handle(RecordingExchange.chat(STREAM));

        assertThat(ex.status()).isEqualTo(200);
        assertThat(ex.text()).startsWith(": waiting for model m");
        JsonNode last = data(ex.text()).getLast();
        assertThat(last.path("error").path("code").asString()).isEqualTo("no_replica");
        assertThat(listener.only().status()).isEqualTo(503);
        assertThat(registry.get("kiban.requests").tags("model", "m", "status", "503").counter().count()).isEqualTo(1);
    }

    @Test
    void a_non_streamed_request_waits_without_comments_and_gets_a_503() {
        router.add("m");

        RecordingExchange ex = handle(RecordingExchange.chat("{\"model\":\"m\",\"messages\":[]}"));

        assertThat(ex.status()).isEqualTo(503);
        assertThat(ex.responseHeader("Retry-After")).isEqualTo("5");
    }

    // ---- before the response ----

    @Test
    void a_replica_still_loading_503_is_retried_on_another_that_is_ready() throws IOException {
        FakeRuntime loading = new FakeRuntime().answer((ex, req) -> {
            ex.getResponseHeaders().set("Retry-After", "3");
            FakeRuntime.json(ex, 503, "{\"error\":{\"message\":\"Loading model\",\"type\":\"unavailable_error\",\"code\":503}}");
        });
        FakeRuntime ready = new FakeRuntime();
        closeables.add(loading);
        closeables.add(ready);
        FakeRoute route = router.add("m", endpoint("loading", loading.port()), endpoint("ready", ready.port()));

        RecordingExchange stream = handle(RecordingExchange.chat(STREAM));
        RecordingExchange whole = handle(RecordingExchange.chat("{\"model\":\"m\",\"messages\":[]}"));

        assertThat(stream.text()).endsWith("data: [DONE]\n\n");
        assertThat(whole.status()).isEqualTo(200);
        assertThat(route.releases).containsExactly("loading failed", "ready ok", "loading failed", "ready ok");
        assertThat(failovers("before_response", "retried")).isEqualTo(2);
    }

    @Test
    void a_request_whose_replicas_drop_the_connection_is_sent_twice_at_most() throws IOException {
        List<RawServer> closing = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            closing.add(raw(conn -> conn.readRequest())); // reads the request and the process is gone
        }
        router.add("m", endpoint("c0", closing.get(0).port()), endpoint("c1", closing.get(1).port()),
                endpoint("c2", closing.get(2).port()));

        RecordingExchange ex = handle(RecordingExchange.chat("{\"model\":\"m\",\"messages\":[]}"));

        assertThat(ex.status()).isEqualTo(503);
        JsonNode error = Json.MAPPER.readTree(ex.bytes()).get("error");
        assertThat(error.get("code").asString()).isEqualTo("upstream_crashed");
        assertThat(ex.responseHeader("Retry-After")).isNull();
        assertThat(closing.get(0).requests() + closing.get(1).requests() + closing.get(2).requests()).isEqualTo(2);
        assertThat(failovers("before_response", "poison")).isEqualTo(1);
    }

    // ---- hygiene ----

    @Test
    void error_bodies_that_are_not_api_errors_never_reach_the_client() throws IOException {
        String[] answer = {"text/html", "<html><body>500 Internal Server Error at /srv/secret</body></html>"};
        RawServer runtime = raw(conn -> {
            while (conn.readRequest() != null) {
                conn.respond(500, answer[0], answer[1]);
            }
        });
        router.add("m", endpoint("r1", runtime.port()));
        String chat = "{\"model\":\"m\",\"messages\":[]}";

        RecordingExchange html = handle(RecordingExchange.chat(chat));
        answer[0] = "application/json";
        answer[1] = "{\"detail\":\"Traceback (most recent call last):\\n  File \\\"/srv/secret/app.py\\\"\"}";
        RecordingExchange trace = handle(RecordingExchange.chat(chat));
        answer[1] = "{\"object\":\"error\",\"message\":\"This model's maximum context length is 8 tokens.\",\"type\":\"BadRequestError\",\"param\":null,\"code\":400}";
        RecordingExchange vllm = handle(RecordingExchange.chat(chat));

        for (RecordingExchange ex : List.of(html, trace)) {
            assertThat(ex.status()).isEqualTo(502);
            assertThat(ex.text()).doesNotContain("secret").doesNotContain("html");
            assertThat(Json.MAPPER.readTree(ex.bytes()).path("error").path("code").asString()).isEqualTo("bad_upstream_response");
        }
        assertThat(vllm.status()).isEqualTo(500);
        JsonNode error = Json.MAPPER.readTree(vllm.bytes()).path("error");
        assertThat(error.path("message").asString()).isEqualTo("This model's maximum context length is 8 tokens.");
        assertThat(error.path("type").asString()).isEqualTo("BadRequestError");
        assertThat(error.path("code").asInt()).isEqualTo(400);
    }

    @Test
    void a_200_that_is_not_json_and_garbage_headers_are_502s() throws IOException {
        RawServer html = raw(conn -> {
            conn.readRequest();
            conn.respond(200, "text/html", "<html>login</html>");
        });
        RawServer garbage = raw(conn -> {
            conn.readRequest();
            conn.write("HTTP/1.1 200 OK\r\nContent-Length: lots\r\n\r\n");
        });
        router.add("m", endpoint("html", html.port()));
        router.add("g", endpoint("garbage", garbage.port()));

        RecordingExchange notJson = handle(RecordingExchange.chat("{\"model\":\"m\",\"messages\":[]}"));
        RecordingExchange badHead = handle(RecordingExchange.chat("{\"model\":\"g\",\"messages\":[]}"));

        assertThat(notJson.status()).isEqualTo(502);
        assertThat(notJson.text()).doesNotContain("login");
        assertThat(badHead.status()).isEqualTo(502);
        assertThat(Json.MAPPER.readTree(badHead.bytes()).path("error").path("code").asString()).isEqualTo("bad_upstream_response");
        assertThat(garbage.requests()).isEqualTo(1); // not retried
    }

    @Test
    void requests_refused_before_routing_are_counted_under_model_dash() {
        router.add("m");

        handle(RecordingExchange.chat(STREAM).withHeader("Authorization", "Bearer wrong"));
        handle(RecordingExchange.chat("{\"model\":\"no-such-model-" + System.nanoTime() + "\",\"messages\":[]}"));
        handle(RecordingExchange.chat("{not json"));

        assertThat(registry.get("kiban.requests").tags("model", "-", "endpoint", "chat", "status", "401").counter().count()).isEqualTo(1);
        assertThat(registry.get("kiban.requests").tags("model", "-", "endpoint", "chat", "status", "404").counter().count()).isEqualTo(1);
        assertThat(registry.get("kiban.requests").tags("model", "-", "endpoint", "chat", "status", "400").counter().count()).isEqualTo(1);
        assertThat(registry.find("kiban.requests").counters()).allMatch(c -> !c.getId().getTag("model").startsWith("no-such"));
    }

    @Test
    void the_first_token_timeout_ends_a_silent_stream_and_the_idle_timeout_allows_slow_steady_tokens() throws IOException {
        config = config.withStreamTimeouts(Duration.ofMillis(400), Duration.ofMillis(300));
        RawServer silent = raw(conn -> {
            conn.readRequest();
            conn.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
            conn.chunk(FakeRuntime.chatEvents().get(0)); // the role chunk, then nothing
            conn.awaitPeerClose(5, TimeUnit.SECONDS);
        });
        RawServer slow = raw(conn -> {
            conn.readRequest();
            conn.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
            for (int i = 0; i < 5; i++) {
                Thread.sleep(150); // 750 ms in all: more than either timeout, less than each between two reads
                conn.chunk(FakeRuntime.chatEvents().get(1));
            }
            conn.chunk("data: [DONE]\n\n");
            conn.write("0\r\n\r\n");
        });
        router.add("m", endpoint("silent", silent.port()));
        router.add("s", endpoint("slow", slow.port()));

        long start = System.nanoTime();
        RecordingExchange stalled = handle(RecordingExchange.chat(STREAM));
        long stalledMillis = (System.nanoTime() - start) / 1_000_000;
        RecordingExchange steady = handle(RecordingExchange.chat(STREAM.replace("\"m\"", "\"s\"")));

        assertThat(data(stalled.text()).getLast().path("error").path("code").asString()).isEqualTo("upstream_timeout");
        assertThat(stalledMillis).isBetween(350L, 3000L);
        assertThat(steady.text()).endsWith("data: [DONE]\n\n");
    }
}
