package io.kiban.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kiban.api.Json;
import io.kiban.gateway.FakeRouter.FakeRoute;
import io.kiban.gateway.spi.Endpoint;
import io.kiban.gateway.spi.Principal;
import io.kiban.gateway.spi.RequestRecord;
import io.kiban.gateway.testing.FakeRuntime;
import io.kiban.gateway.testing.RawServer;
import io.kiban.gateway.upstream.Http1Client;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

/**
 * The gateway's request path end to end: real HTTP to fake runtimes on loopback (well-behaved on the JDK's HTTP
 * server, misbehaving on raw sockets), fakes of the SPI, and an in-memory client exchange.
 */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class GatewayIT {
    private static final Principal USER = new Principal("u1", "k1", "p1", false, Set.of(), false);
    private static final Principal LIMITED = new Principal("u2", "k2", "p2", false, Set.of("m"), false);
    private static final Principal PRIVATE = new Principal("u3", "k3", "p3", false, Set.of(), true);
    private static final String CHAT = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
    private static final String STREAM = "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final FakeAuthenticator auth = new FakeAuthenticator().with("good", USER).with("limited", LIMITED).with("private", PRIVATE);
    private final FakeRouter router = new FakeRouter();
    private final RecordingListener listener = new RecordingListener(true);
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private Http1Client client = new Http1Client(Duration.ofMillis(500), Duration.ofSeconds(3), Duration.ofSeconds(20), 8);
    private GatewayConfig config = new GatewayConfig(64 * 1024, 1024 * 1024, Duration.ofSeconds(2), 3);

    @AfterEach
    void tearDown() throws Exception {
        client.close();
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    private Gateway gateway() {
        return new Gateway(auth, router, client, new GatewayMetrics(registry), List.of(listener), config);
    }

    private RecordingExchange handle(RecordingExchange ex) {
        gateway().handle(ex);
        return ex;
    }

    private FakeRuntime runtime() throws IOException {
        FakeRuntime r = new FakeRuntime();
        closeables.add(r);
        return r;
    }

    private RawServer raw(RawServer.Script script) throws IOException {
        RawServer s = new RawServer(script);
        closeables.add(s);
        return s;
    }

    private static Endpoint endpoint(String id, int port) {
        return new Endpoint(id, "127.0.0.1", port, "/v1", "Bearer upstream-secret");
    }

    private static int refusingPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static JsonNode error(RecordingExchange ex) {
        return Json.MAPPER.readTree(ex.bytes()).get("error");
    }

    private double requests(String endpoint, int status) {
        Counter c = registry.find("kiban.requests").tags("model", "m", "endpoint", endpoint, "status", Integer.toString(status)).counter();
        return c == null ? 0 : c.count();
    }

    private double tokens(String direction) {
        Counter c = registry.find("kiban.tokens").tags("model", "m", "direction", direction).counter();
        return c == null ? 0 : c.count();
    }

    private static String[] events(String stream) {
        return stream.split("(?<=\n\n)");
    }

    // ---- refusals before any model is involved ----

    @Test
    void a_refused_key_is_a_401_envelope_and_reaches_no_model() throws IOException {
        FakeRuntime runtime = runtime();
        router.add("m", endpoint("r1", runtime.port()));

        RecordingExchange ex = handle(RecordingExchange.chat(CHAT).withHeader("Authorization", "Bearer wrong"));
        RecordingExchange none = handle(RecordingExchange.chat(CHAT).withoutHeader("Authorization"));

        assertThat(ex.status()).isEqualTo(401);
        assertThat(ex.responseHeader("Content-Type")).isEqualTo("application/json");
        assertThat(error(ex).get("type").asString()).isEqualTo("authentication_error");
        assertThat(error(ex).get("code").asString()).isEqualTo("invalid_api_key");
        assertThat(none.status()).isEqualTo(401);
        assertThat(ex.responseHeader("x-request-id")).startsWith("req_");
        assertThat(runtime.calls()).isEmpty();
        assertThat(listener.records).isEmpty();
    }

    @Test
    void an_unknown_model_and_a_model_the_key_may_not_use_get_byte_identical_404s() throws IOException {
        FakeRuntime runtime = runtime();
        router.add("m", endpoint("r1", runtime.port()));
        router.add("secret", endpoint("r1", runtime.port()));
        String body = "{\"model\":\"secret\",\"messages\":[]}";

        RecordingExchange forbidden = handle(RecordingExchange.chat(body).withHeader("Authorization", "Bearer limited"));
        FakeRouter empty = new FakeRouter();
        RecordingExchange unknown = new RecordingExchange("POST", "/v1/chat/completions", null, body).withHeader("Authorization", "Bearer good");
        new Gateway(auth, empty, client, new GatewayMetrics(registry), List.of(listener), config).handle(unknown);

        assertThat(forbidden.status()).isEqualTo(404);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(error(forbidden).get("code").asString()).isEqualTo("model_not_found");
        assertThat(forbidden.bytes()).isEqualTo(unknown.bytes());
        assertThat(forbidden.responseHeaders().keySet()).isEqualTo(unknown.responseHeaders().keySet());
        assertThat(runtime.calls()).isEmpty();
    }

    @Test
    void wrong_methods_and_paths_are_405_and_404() {
        RecordingExchange get = handle(new RecordingExchange("GET", "/v1/chat/completions", null, ""));
        RecordingExchange path = handle(RecordingExchange.post("/v1/chat/completion", CHAT));

        assertThat(get.status()).isEqualTo(405);
        assertThat(error(get).get("code").asString()).isEqualTo("method_not_allowed");
        assertThat(path.status()).isEqualTo(404);
        assertThat(error(path).get("code").asString()).isEqualTo("unknown_url");
        assertThat(auth.calls()).isEmpty();
    }

    @Test
    void a_body_over_the_limit_is_a_413_whether_declared_or_not_and_a_declared_one_is_not_read() {
        String big = "{\"model\":\"m\",\"pad\":\"" + "x".repeat(64 * 1024) + "\"}";

        RecordingExchange declared = handle(RecordingExchange.chat(big));
        RecordingExchange undeclared = handle(RecordingExchange.chat(big).declaring(-1));
        RecordingExchange lying = handle(RecordingExchange.chat(big).declaring(100));

        for (RecordingExchange ex : List.of(declared, undeclared, lying)) {
            assertThat(ex.status()).isEqualTo(413);
            assertThat(error(ex).get("code").asString()).isEqualTo("request_too_large");
            assertThat(error(ex).get("message").asString()).contains("64 KiB");
        }
        assertThat(declared.bodyReads()).isZero();
    }

    @Test
    void an_empty_or_malformed_body_is_a_400() {
        RecordingExchange empty = handle(RecordingExchange.chat(""));
        RecordingExchange malformed = handle(RecordingExchange.chat("{\"model\":\"m\",}"));
        config = new GatewayConfig(1024 * 1024, 1024 * 1024, Duration.ofSeconds(2), 3);
        String deep = "{\"model\":\"m\",\"messages\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";
        RecordingExchange nested = handle(RecordingExchange.chat(deep));

        assertThat(empty.status()).isEqualTo(400);
        assertThat(malformed.status()).isEqualTo(400);
        assertThat(error(malformed).get("code").asString()).isEqualTo("invalid_json");
        assertThat(nested.status()).isEqualTo(400);
        assertThat(error(nested).get("code").asString()).isEqualTo("invalid_json");
    }

    @Test
    void a_key_in_the_query_string_is_refused_before_authentication() {
        for (String query : List.of("api_key=sk-123", "x=1&API_KEY=sk-123", "key", "access_token=abc&b=2")) {
            RecordingExchange ex = handle(new RecordingExchange("POST", "/v1/chat/completions", query, CHAT)
                    .withHeader("Authorization", "Bearer good"));

            assertThat(ex.status()).as(query).isEqualTo(400);
            assertThat(error(ex).get("code").asString()).isEqualTo("credentials_in_query_not_allowed");
            assertThat(ex.text()).doesNotContain("sk-123");
        }
        assertThat(auth.calls()).isEmpty();
    }

    // ---- whole responses ----

    @Test
    void relays_a_whole_chat_completion_and_meters_it() throws IOException {
        FakeRuntime runtime = runtime();
        router.add("m", endpoint("r1", runtime.port()));

        RecordingExchange ex = handle(RecordingExchange.chat(CHAT).withHeader("x-request-id", "client-chosen\r\nX-Evil: 1"));

        assertThat(ex.status()).isEqualTo(200);
        assertThat(ex.text()).isEqualTo(FakeRuntime.CHAT_JSON);
        assertThat(ex.responseHeader("Content-Type")).isEqualTo("application/json");
        assertThat(ex.responseHeader("Content-Length")).isEqualTo(Integer.toString(FakeRuntime.CHAT_JSON.length()));
        String requestId = ex.responseHeader("x-request-id");
        assertThat(requestId).matches("req_[0-9a-z]+_[0-9]+");

        FakeRuntime.Call call = runtime.calls().getFirst();
        assertThat(call.path()).isEqualTo("/v1/chat/completions");
        assertThat(call.body()).asString(StandardCharsets.UTF_8).isEqualTo(CHAT);
        assertThat(call.contentType()).isEqualTo("application/json");
        assertThat(call.requestId()).isEqualTo(requestId);
        assertThat(call.authorization()).isEqualTo("Bearer upstream-secret");

        assertThat(requests("chat", 200)).isEqualTo(1);
        assertThat(tokens("input")).isEqualTo(7);
        assertThat(tokens("output")).isEqualTo(2);
        assertThat(registry.get("kiban.request.duration").tags("model", "m", "endpoint", "chat").timer().count()).isEqualTo(1);
        assertThat(registry.get("kiban.requests.in.flight").tags("model", "m").gauge().value()).isZero();

        RequestRecord r = listener.only();
        assertThat(r.requestId()).isEqualTo(requestId);
        assertThat(r.responseId()).isEqualTo(FakeRuntime.ID);
        assertThat(r.kind()).isEqualTo("chat");
        assertThat(r.model()).isEqualTo("m");
        assertThat(r.principal()).isEqualTo(USER);
        assertThat(r.clientIp()).isEqualTo("192.0.2.7");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.stream()).isFalse();
        assertThat(r.startEpochMillis()).isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(5000L));
        assertThat(r.durationNanos()).isPositive();
        assertThat(r.promptTokens()).isEqualTo(7);
        assertThat(r.completionTokens()).isEqualTo(2);
        assertThat(r.requestBody()).asString(StandardCharsets.UTF_8).isEqualTo(CHAT);
        assertThat(r.responseBody()).isEqualTo(FakeRuntime.CHAT_JSON);
        assertThat(r.errorCode()).isNull();
    }

    @Test
    void relays_embeddings_and_counts_their_input_tokens() throws IOException {
        FakeRuntime runtime = runtime();
        router.add("m", endpoint("r1", runtime.port()));

        RecordingExchange ex = handle(RecordingExchange.post("/v1/embeddings", "{\"model\":\"m\",\"input\":\"hi\"}"));

        assertThat(ex.status()).isEqualTo(200);
        assertThat(ex.text()).isEqualTo(FakeRuntime.EMBEDDING_JSON);
        assertThat(runtime.calls().getFirst().path()).isEqualTo("/v1/embeddings");
        assertThat(requests("embedding", 200)).isEqualTo(1);
        assertThat(tokens("input")).isEqualTo(3);
        assertThat(listener.only().kind()).isEqualTo("embedding");
        assertThat(listener.only().completionTokens()).isZero();
    }

    @Test
    void upstream_errors_keep_their_status_body_and_retry_after() throws IOException {
        String busy = "{\"error\":{\"message\":\"queue full\",\"type\":\"rate_limit_error\",\"code\":\"busy\"}}";
        FakeRuntime runtime = runtime().answer((ex, req) -> {
            ex.getResponseHeaders().set("Retry-After", "7");
            FakeRuntime.json(ex, 429, busy);
        });
        router.add("m", endpoint("r1", runtime.port()));

        RecordingExchange ex = handle(RecordingExchange.chat(CHAT));

        assertThat(ex.status()).isEqualTo(429);
        assertThat(ex.text()).isEqualTo(busy);
        assertThat(ex.responseHeader("Retry-After")).isEqualTo("7");
        assertThat(ex.responseHeader("Content-Type")).isEqualTo("application/json");
        assertThat(requests("chat", 429)).isEqualTo(1);
        assertThat(listener.only().status()).isEqualTo(429);
        assertThat(listener.only().errorCode()).isEqualTo("upstream_429");
        assertThat(runtime.calls()).hasSize(1);
    }

    @Test
    void a_whole_response_larger_than_the_limit_is_a_502_not_a_truncated_200() throws IOException {
        String huge = "{\"id\":\"x\",\"pad\":\"" + "y".repeat(2 * 1024 * 1024) + "\"}";
        FakeRuntime runtime = runtime().answer((ex, req) -> FakeRuntime.json(ex, 200, huge));
        router.add("m", endpoint("r1", runtime.port()));

        RecordingExchange ex = handle(RecordingExchange.chat(CHAT));

        assertThat(ex.status()).isEqualTo(502);
        assertThat(error(ex).get("code").asString()).isEqualTo("bad_upstream_response");
        assertThat(listener.only().status()).isEqualTo(502);
    }

    @Test
    void the_runtimes_time_to_first_token_header_is_used_and_garbage_in_it_is_ignored() throws IOException {
        String[] ttft = {"15"};
        FakeRuntime runtime = runtime().answer((ex, req) -> {
            ex.getResponseHeaders().set("x-kiban-ttft-ms", ttft[0]);
            FakeRuntime.json(ex, 200, FakeRuntime.CHAT_JSON);
        });
        router.add("m", endpoint("r1", runtime.port()));

        RecordingExchange good = handle(RecordingExchange.chat(CHAT));
        ttft[0] = "soon";
        RecordingExchange garbage = handle(RecordingExchange.chat(CHAT));

        assertThat(good.status()).isEqualTo(200);
        assertThat(garbage.status()).isEqualTo(200);
        assertThat(garbage.text()).isEqualTo(FakeRuntime.CHAT_JSON);
        assertThat(listener.records.get(0).ttftNanos()).isEqualTo(15_000_000L);
        assertThat(listener.records.get(1).ttftNanos()).isEqualTo(-1);
        assertThat(registry.get("kiban.time.to.first.token").tags("model", "m").timer().count()).isEqualTo(1);
    }

    @Test
    void a_runtime_that_dies_in_the_middle_of_a_whole_response_is_a_503_and_is_not_retried() throws IOException {
        FakeRuntime spare = runtime();
        RawServer dying = raw(conn -> {
            conn.readRequest();
            conn.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 500\r\n\r\n{\"id\":\"chatcmpl-");
        });
        FakeRoute route = router.add("m", endpoint("dying", dying.port()), endpoint("spare", spare.port()));

        RecordingExchange ex = handle(RecordingExchange.chat(CHAT));

        assertThat(ex.status()).isEqualTo(503);
        assertThat(error(ex).get("code").asString()).isEqualTo("upstream_disconnected");
        assertThat(ex.responseHeader("Retry-After")).isEqualTo("2");
        assertThat(spare.calls()).isEmpty();
        assertThat(dying.requests()).isEqualTo(1);
        assertThat(route.releases).containsExactly("dying ok");
    }

    // ---- retries ----

    @Test
    void a_replica_that_refuses_connections_is_excluded_and_the_next_one_answers() throws IOException {
        FakeRuntime runtime = runtime();
        FakeRoute route = router.add("m", endpoint("dead", refusingPort()), endpoint("r1", runtime.port()));

        RecordingExchange ex = handle(RecordingExchange.chat(CHAT));

        assertThat(ex.status()).isEqualTo(200);
        assertThat(ex.text()).isEqualTo(FakeRuntime.CHAT_JSON);
        assertThat(route.excluded).containsExactly(Set.of(), Set.of("dead"));
        assertThat(route.releases).containsExactly("dead failed", "r1 ok");
        assertThat(requests("chat", 200)).isEqualTo(1);
    }

    @Test
    void when_every_attempt_is_refused_the_client_gets_a_503_with_retry_after() throws IOException {
        FakeRoute route = router.add("m", endpoint("d1", refusingPort()), endpoint("d2", refusingPort()), endpoint("d3", refusingPort()));

        RecordingExchange ex = handle(RecordingExchange.chat(CHAT));

        assertThat(ex.status()).isEqualTo(503);
        assertThat(error(ex).get("code").asString()).isEqualTo("model_unavailable");
        assertThat(ex.responseHeader("Retry-After")).isEqualTo("2");
        assertThat(route.excluded).containsExactly(Set.of(), Set.of("d1"), Set.of("d1", "d2"));
        assertThat(route.releases).containsExactly("d1 failed", "d2 failed", "d3 failed");
        assertThat(requests("chat", 503)).isEqualTo(1);
        assertThat(ex.text()).doesNotContain("127.0.0.1").doesNotContain("Connection refused");
    }

    @Test
    void a_replica_that_takes_the_request_and_never_answers_is_a_504_without_a_retry() throws IOException {
        client.close();
        client = new Http1Client(Duration.ofMillis(500), Duration.ofMillis(300), Duration.ofSeconds(20), 8);
        CountDownLatch release = new CountDownLatch(1);
        RawServer stalled = raw(conn -> {
            conn.readRequest();
            release.await(5, TimeUnit.SECONDS);
        });
        FakeRuntime spare = runtime();
        FakeRoute route = router.add("m", endpoint("stalled", stalled.port()), endpoint("spare", spare.port()));
        try {
            RecordingExchange ex = handle(RecordingExchange.chat(CHAT));

            assertThat(ex.status()).isEqualTo(504);
            assertThat(error(ex).get("code").asString()).isEqualTo("upstream_timeout");
            assertThat(spare.calls()).isEmpty();
            assertThat(route.releases).containsExactly("stalled failed");
        } finally {
            release.countDown();
        }
    }

    @Test
    void an_endpoint_that_cannot_even_be_dialled_is_still_released() throws IOException {
        FakeRoute route = router.add("m", new Endpoint("broken", "127.0.0.1", 70_000, "/v1", null));

        RecordingExchange ex = handle(RecordingExchange.chat(CHAT));

        assertThat(ex.status()).isEqualTo(500);
        assertThat(route.releases).containsExactly("broken failed");
        assertThat(registry.get("kiban.requests.in.flight").tags("model", "m").gauge().value()).isZero();
    }

    @Test
    void a_route_that_has_no_replica_in_time_answers_for_itself() {
        router.add("m");

        RecordingExchange ex = handle(RecordingExchange.chat(CHAT));

        assertThat(ex.status()).isEqualTo(503);
        assertThat(error(ex).get("code").asString()).isEqualTo("no_replica");
        assertThat(ex.responseHeader("Retry-After")).isEqualTo("5");
        assertThat(registry.get("kiban.requests.in.flight").tags("model", "m").gauge().value()).isZero();
    }

    // ---- streams ----

    @Test
    void a_stream_gets_usage_from_the_runtime_for_metering_and_the_client_does_not_see_it() throws IOException {
        FakeRuntime runtime = runtime();
        router.add("m", endpoint("r1", runtime.port()));

        RecordingExchange ex = handle(RecordingExchange.chat(STREAM));

        assertThat(ex.status()).isEqualTo(200);
        assertThat(ex.responseHeader("Content-Type")).isEqualTo("text/event-stream");
        assertThat(ex.responseHeader("Cache-Control")).isEqualTo("no-cache");
        assertThat(ex.text()).isEqualTo(String.join("", FakeRuntime.chatEvents()) + "data: [DONE]\n\n");
        JsonNode sent = runtime.calls().getFirst().json();
        assertThat(sent.get("stream_options").get("include_usage").asBoolean()).isTrue();
        assertThat(sent.get("messages")).isEqualTo(Json.MAPPER.readTree(STREAM).get("messages"));

        assertThat(tokens("input")).isEqualTo(7);
        assertThat(tokens("output")).isEqualTo(2);
        assertThat(requests("chat", 200)).isEqualTo(1);
        Timer ttft = registry.get("kiban.time.to.first.token").tags("model", "m").timer();
        assertThat(ttft.count()).isEqualTo(1);
        assertThat(registry.get("kiban.time.per.output.token").tags("model", "m").timer().count()).isEqualTo(1);
        RequestRecord r = listener.only();
        assertThat(r.stream()).isTrue();
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.responseId()).isEqualTo(FakeRuntime.ID);
        assertThat(r.responseBody()).isEqualTo("Hello");
        assertThat(r.requestBody()).asString(StandardCharsets.UTF_8).isEqualTo(STREAM);
        assertThat(r.ttftNanos()).isPositive().isLessThanOrEqualTo(r.durationNanos());
        assertThat(r.promptTokens()).isEqualTo(7);
    }

    @Test
    void a_stream_whose_client_asked_for_usage_gets_it() throws IOException {
        FakeRuntime runtime = runtime();
        router.add("m", endpoint("r1", runtime.port()));
        String body = "{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true},\"messages\":[]}";

        RecordingExchange ex = handle(RecordingExchange.chat(body));

        assertThat(ex.text()).isEqualTo(String.join("", FakeRuntime.chatEvents()) + FakeRuntime.USAGE_CHUNK + "data: [DONE]\n\n");
        assertThat(runtime.calls().getFirst().body()).asString(StandardCharsets.UTF_8).isEqualTo(body);
        assertThat(tokens("output")).isEqualTo(2);
    }

    @Test
    void a_stream_whose_runtime_dies_midway_with_no_replica_to_continue_on_ends_with_an_error_event_and_no_done() throws IOException {
        RawServer dying = raw(conn -> {
            conn.readRequest();
            conn.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
            conn.chunk(FakeRuntime.chatEvents().get(0));
            conn.chunk(FakeRuntime.chatEvents().get(1));
            conn.write("40\r\ndata: {\"id\":\"chatcm"); // and the process is gone
        });
        FakeRoute route = router.add("m", endpoint("dying", dying.port())); // continuing is FailoverIT's subject

        RecordingExchange ex = handle(RecordingExchange.chat(STREAM));

        String[] events = events(ex.text());
        assertThat(events).hasSize(3);
        assertThat(events[0] + events[1]).isEqualTo(FakeRuntime.chatEvents().get(0) + FakeRuntime.chatEvents().get(1));
        assertThat(events[2]).startsWith("data: {\"error\":").endsWith("\n\n");
        JsonNode error = Json.MAPPER.readTree(events[2].substring(6)).get("error");
        assertThat(error.get("code").asString()).isEqualTo("upstream_disconnected");
        assertThat(ex.text()).doesNotContain("[DONE]");
        assertThat(ex.status()).isEqualTo(200);
        assertThat(route.releases).containsExactly("dying failed");
        assertThat(requests("chat", 502)).isEqualTo(1);
        assertThat(listener.only().status()).isEqualTo(502);
        assertThat(listener.only().errorCode()).isEqualTo("upstream_disconnected");
        assertThat(listener.only().responseBody()).isEqualTo("Hel");
    }

    @Test
    void a_runtime_that_stalls_mid_response_gets_a_timeout_and_its_connection_closed() throws Exception {
        client.close();
        client = new Http1Client(Duration.ofMillis(500), Duration.ofMillis(300), Duration.ofSeconds(20), 8);
        config = config.withStreamTimeouts(Duration.ofSeconds(5), Duration.ofMillis(300));
        RawServer stalling = raw(conn -> {
            RawServer.Request r = conn.readRequest();
            if (r.bodyText().contains("\"stream\":true")) {
                conn.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
                conn.chunk(FakeRuntime.chatEvents().get(1));
            } else {
                conn.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 300\r\n\r\n{\"id\":");
            }
            conn.awaitPeerClose(5, TimeUnit.SECONDS); // stalls until the gateway hangs up
        });
        router.add("m", endpoint("r1", stalling.port()));

        RecordingExchange stream = handle(RecordingExchange.chat(STREAM));
        RecordingExchange whole = handle(RecordingExchange.chat(CHAT));

        String[] events = events(stream.text());
        assertThat(events).hasSize(2);
        assertThat(Json.MAPPER.readTree(events[1].substring(6)).get("error").get("code").asString()).isEqualTo("upstream_timeout");
        assertThat(whole.status()).isEqualTo(504);
        assertThat(error(whole).get("code").asString()).isEqualTo("upstream_timeout");
        assertThat(listener.records).extracting(RequestRecord::errorCode).containsExactly("upstream_timeout", "upstream_timeout");
        assertThat(listener.records).extracting(RequestRecord::status).containsExactly(504, 504);
        for (RawServer.Conn conn : stalling.connections()) {
            assertThat(conn.awaitEnd(2, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void a_stream_that_ends_cleanly_but_without_done_is_reported_as_incomplete() throws IOException {
        FakeRuntime runtime = runtime().answer((ex, req) -> {
            ex.getResponseHeaders().set("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            FakeRuntime.send(ex.getResponseBody(), FakeRuntime.chatEvents().get(1));
        });
        router.add("m", endpoint("r1", runtime.port()));

        RecordingExchange ex = handle(RecordingExchange.chat(STREAM));

        String[] events = events(ex.text());
        assertThat(events).hasSize(2);
        assertThat(events[1]).startsWith("data: {\"error\":");
        assertThat(listener.only().status()).isEqualTo(502);
    }

    @Test
    void an_error_event_from_the_runtime_is_forwarded_once_and_counted_as_a_failure() throws IOException {
        String error = "data: {\"error\":{\"message\":\"out of KV cache\",\"type\":\"server_error\",\"code\":500}}\n\n";
        FakeRuntime runtime = runtime().answer((ex, req) -> {
            ex.getResponseHeaders().set("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            FakeRuntime.send(ex.getResponseBody(), FakeRuntime.chatEvents().get(1));
            FakeRuntime.send(ex.getResponseBody(), error);
        });
        router.add("m", endpoint("r1", runtime.port()));

        RecordingExchange ex = handle(RecordingExchange.chat(STREAM));

        assertThat(ex.text()).isEqualTo(FakeRuntime.chatEvents().get(1) + error);
        assertThat(listener.only().status()).isEqualTo(502);
        assertThat(listener.only().errorCode()).isEqualTo("upstream_error");
    }

    @Test
    void a_client_that_goes_away_mid_stream_makes_the_gateway_close_the_runtime_connection() throws Exception {
        AtomicLong runtimeSawItAt = new AtomicLong(-1);
        RawServer runtime = raw(conn -> {
            conn.readRequest();
            conn.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
            try {
                for (int i = 0; i < 500; i++) { // 5 s of tokens unless the gateway hangs up
                    conn.chunk("data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"t" + i + "\"}}]}\n\n");
                    Thread.sleep(10);
                }
            } catch (IOException closedByGateway) {
                runtimeSawItAt.set(System.nanoTime());
            }
        });
        FakeRoute route = router.add("m", endpoint("r1", runtime.port()));

        RecordingExchange ex = handle(RecordingExchange.chat(STREAM).failingAfter(200));

        assertThat(ex.failedAtNanos()).isPositive();
        await().atMost(Duration.ofSeconds(2)).until(() -> runtimeSawItAt.get() > 0);
        assertThat(Duration.ofNanos(runtimeSawItAt.get() - ex.failedAtNanos())).isLessThan(Duration.ofSeconds(1));
        assertThat(runtime.requests()).isEqualTo(1);
        assertThat(route.releases).containsExactly("r1 ok");
        assertThat(listener.only().status()).isEqualTo(499);
        assertThat(listener.only().errorCode()).isEqualTo("client_disconnected");
        assertThat(requests("chat", 499)).isEqualTo(1);
        assertThat(registry.get("kiban.requests.in.flight").tags("model", "m").gauge().value()).isZero();
    }

    @Test
    void a_failure_after_the_stream_was_committed_does_not_write_a_json_error_into_it() throws IOException {
        FakeRuntime runtime = runtime();
        FakeRoute route = router.add("m", endpoint("r1", runtime.port()));
        route.failOnRelease = new IllegalStateException("balancer bug");

        RecordingExchange stream = handle(RecordingExchange.chat(STREAM));
        RecordingExchange whole = handle(RecordingExchange.chat(CHAT));

        assertThat(stream.text()).endsWith("data: [DONE]\n\n");
        assertThat(stream.lateCalls()).isEmpty();
        assertThat(whole.text()).isEqualTo(FakeRuntime.CHAT_JSON);
        assertThat(whole.lateCalls()).isEmpty();
        assertThat(listener.records).extracting(RequestRecord::status).containsExactly(500, 500);
    }

    // ---- listeners ----

    @Test
    void bodies_go_to_listeners_only_when_one_wants_them_and_the_key_allows_it() throws IOException {
        FakeRuntime runtime = runtime();
        router.add("m", endpoint("r1", runtime.port()));

        handle(RecordingExchange.chat(STREAM).withHeader("Authorization", "Bearer private"));
        handle(RecordingExchange.chat(CHAT).withHeader("Authorization", "Bearer private"));
        RecordingListener metadataOnly = new RecordingListener(false);
        new Gateway(auth, router, client, new GatewayMetrics(registry), List.of(metadataOnly), config)
                .handle(RecordingExchange.chat(STREAM));

        for (RequestRecord r : List.of(listener.records.get(0), listener.records.get(1), metadataOnly.only())) {
            assertThat(r.requestBody()).isNull();
            assertThat(r.responseBody()).isNull();
            assertThat(r.status()).isEqualTo(200);
            assertThat(r.promptTokens()).isEqualTo(7);
        }
    }

    @Test
    void a_failing_listener_neither_breaks_the_response_nor_the_other_listeners() throws IOException {
        FakeRuntime runtime = runtime();
        router.add("m", endpoint("r1", runtime.port()));
        RecordingListener after = new RecordingListener(false);
        io.kiban.gateway.spi.RequestListener broken = new io.kiban.gateway.spi.RequestListener() {
            @Override
            public boolean wantsBodies() {
                return false;
            }

            @Override
            public void completed(RequestRecord record) {
                throw new IllegalStateException("queue full");
            }
        };
        RecordingExchange ex = RecordingExchange.chat(CHAT);

        new Gateway(auth, router, client, new GatewayMetrics(registry), List.of(broken, after), config).handle(ex);

        assertThat(ex.status()).isEqualTo(200);
        assertThat(after.only().status()).isEqualTo(200);
    }

    @Test
    void every_request_gets_its_own_request_id_in_the_response_and_the_record() throws IOException {
        FakeRuntime runtime = runtime();
        router.add("m", endpoint("r1", runtime.port()));
        Gateway gateway = gateway();
        List<String> ids = new ArrayList<>();

        for (int i = 0; i < 3; i++) {
            RecordingExchange ex = RecordingExchange.chat(CHAT);
            gateway.handle(ex);
            ids.add(ex.responseHeader("x-request-id"));
        }
        RecordingExchange refused = RecordingExchange.chat(CHAT).withHeader("Authorization", "Bearer nope");
        gateway.handle(refused);
        ids.add(refused.responseHeader("x-request-id"));

        assertThat(ids).doesNotHaveDuplicates().allMatch(id -> id.matches("req_[0-9a-z]+_[0-9]+"));
        assertThat(listener.records).extracting(RequestRecord::requestId).containsExactlyElementsOf(ids.subList(0, 3));
        assertThat(runtime.calls()).extracting(FakeRuntime.Call::requestId).containsExactlyElementsOf(ids.subList(0, 3));
    }

    @Test
    void the_in_flight_gauge_counts_requests_being_served() throws Exception {
        CountDownLatch answering = new CountDownLatch(1);
        CountDownLatch finish = new CountDownLatch(1);
        FakeRuntime runtime = runtime().answer((ex, req) -> {
            answering.countDown();
            try {
                finish.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            FakeRuntime.json(ex, 200, FakeRuntime.CHAT_JSON);
        });
        router.add("m", endpoint("r1", runtime.port()));
        Gateway gateway = gateway();

        Thread t = Thread.ofVirtual().start(() -> gateway.handle(RecordingExchange.chat(CHAT)));
        assertThat(answering.await(5, TimeUnit.SECONDS)).isTrue();
        Gauge inFlight = registry.get("kiban.requests.in.flight").tags("model", "m").gauge();
        assertThat(inFlight.value()).isEqualTo(1);
        finish.countDown();
        t.join(5000);

        assertThat(inFlight.value()).isZero();
    }
}
