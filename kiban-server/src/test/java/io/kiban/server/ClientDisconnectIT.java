package io.kiban.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.control.Replica;
import io.kiban.control.Supervisor;
import io.kiban.gguf.TinyLlama;
import io.kiban.store.tenancy.Role;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A client that leaves while its whole (non-streamed) response is generated: nothing has been written to it, so
 * only the gateway's watch on its connection can tell. Through a real server (Tomcat, H2) in front of a runtime on a
 * raw socket that never answers and notes when its connection is closed.
 */
class ClientDisconnectIT {
    static HangingRuntime runtime;
    static TestServer server;
    static Tenants tenants;
    static Http http;

    @BeforeAll
    static void start() throws Exception {
        runtime = new HangingRuntime();
        Path dir = Files.createTempDirectory("kiban-disconnect-it");
        Path model = dir.resolve("tiny.gguf");
        // No EOS, and room for a generation of many thousand tokens: seconds on the tiny model.
        TinyLlama.write(model, TinyLlama.Options.defaults().withContextLength(16384));
        server = TestServer.start(dir.resolve("data"), List.of("tiny=" + model + ":parallel=1,threads=1,ctx=16384"),
                List.of("hang=http://127.0.0.1:" + runtime.port() + "/v1"), 1, Duration.ofSeconds(5));
        tenants = new Tenants(server);
        http = new Http(server.port);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (server.bean(io.kiban.control.Supervisor.class).get("hang").readyReplicas() < 1) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the hanging runtime never became ready");
            }
            Thread.sleep(50);
        }
    }

    @AfterAll
    static void stop() throws IOException {
        if (server != null) {
            server.close();
        }
        if (runtime != null) {
            runtime.close();
        }
    }

    @Test
    void a_client_that_leaves_during_a_whole_response_has_its_upstream_call_ended_and_is_recorded() throws Exception {
        String user = tenants.user("erin", Role.USER);
        String key = tenants.key(user).secret();
        String body = "{\"model\":\"hang\",\"max_tokens\":4000,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"write a very long essay\"}]}";
        try (Socket s = new Socket("127.0.0.1", server.port)) {
            s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                    + "\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            assertThat(runtime.received.await(10, TimeUnit.SECONDS)).as("the runtime got the call").isTrue();
        } // the client goes away with nothing received

        // Without the watch the runtime's connection stays open until the gateway's read timeout (minutes).
        assertThat(runtime.closed.await(5, TimeUnit.SECONDS)).as("the gateway hung up on the runtime").isTrue();
        assertThat(runtime.requestId).startsWith("req_");

        JsonNode r = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (r == null && System.nanoTime() < deadline) {
            Recorded.settle(server);
            JsonNode data = http.getJson("/api/v1/history?status=incomplete", key).path("data");
            r = data.size() == 1 ? data.get(0) : null;
            if (r == null) {
                Thread.sleep(100);
            }
        }
        assertThat(r).as("an incomplete record").isNotNull();
        assertThat(r.path("http_status").asInt()).isEqualTo(499);
        assertThat(r.path("id").asString()).isEqualTo(runtime.requestId);
        // The runtime had the prompt: it is billed (estimated, as nothing was reported), the output is not.
        assertThat(r.path("usage").path("prompt_tokens").asLong()).isPositive();
        assertThat(r.path("usage").path("completion_tokens").asLong()).isZero();
    }

    @Test
    void a_kiban_worker_stops_generating_when_the_client_of_a_whole_response_leaves() throws Exception {
        server.awaitReady(Duration.ofSeconds(60));
        Replica replica = server.bean(Supervisor.class).get("tiny").replicas().stream()
                .filter(r -> r.state() == Replica.State.READY).findFirst().orElseThrow();
        String health = "http://" + replica.endpoint().host() + ":" + replica.endpoint().port() + "/health";
        long cancelledBefore = health(health).path("cancelled").asLong();
        String body = "{\"model\":\"tiny\",\"max_tokens\":16000,\"temperature\":0,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"go\"}]}";
        try (Socket s = new Socket("127.0.0.1", server.port)) {
            s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                    + server.adminKey + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length()
                    + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            s.getOutputStream().flush();
            await(() -> health(health).path("busy").asInt() == 1, "the worker is generating");
        } // the client goes away with 16,000 tokens to go

        await(() -> health(health).path("cancelled").asLong() == cancelledBefore + 1,
                "the worker counted the cancellation");
        await(() -> health(health).path("busy").asInt() == 0, "the slot is free");
        // The only slot serves the next call at once.
        var next = server.client(server.adminKey).chat().completions().create(
                com.openai.models.chat.completions.ChatCompletionCreateParams.builder().model("tiny")
                        .addUserMessage("again").maxCompletionTokens(5L).build());
        assertThat(next.usage().orElseThrow().completionTokens()).isEqualTo(5);
    }

    private static final java.net.http.HttpClient HEALTH = java.net.http.HttpClient.newHttpClient();

    /** The worker's own health document (its slots, queue and cancellations), read directly. */
    private static JsonNode health(String url) throws Exception {
        return io.kiban.api.Json.MAPPER.readTree(HEALTH.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(url))
                .build(), java.net.http.HttpResponse.BodyHandlers.ofString()).body());
    }

    private interface Check {
        boolean ok() throws Exception;
    }

    private static void await(Check check, String what) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!check.ok()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not within 10 s: " + what);
            }
            Thread.sleep(20);
        }
    }

    @Test
    void a_client_that_stays_gets_its_whole_response_while_it_is_watched() throws Exception {
        String user = tenants.user("fay", Role.USER);
        String key = tenants.key(user).secret();
        runtime.answerAfter = Duration.ofMillis(700); // several watch periods
        try {
            String body = "{\"model\":\"hang\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            try (Socket s = new Socket("127.0.0.1", server.port)) {
                s.setSoTimeout(10_000);
                s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                        + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                        .getBytes(StandardCharsets.UTF_8));
                BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
                String status = in.readLine();
                assertThat(status).startsWith("HTTP/1.1 200");
                String line;
                boolean keepAlive = true;
                int length = -1;
                while ((line = in.readLine()) != null && !line.isEmpty()) {
                    String lower = line.toLowerCase(Locale.ROOT);
                    keepAlive &= !lower.equals("connection: close");
                    if (lower.startsWith("content-length:")) {
                        length = Integer.parseInt(line.substring(15).trim());
                    }
                }
                assertThat(keepAlive).as("the probe took nothing from this client: no reason to close").isTrue();
                assertThat(length).isPositive();
                char[] answer = new char[length]; // ASCII
                int n = 0;
                while (n < length) {
                    n += in.read(answer, n, length - n);
                }
                assertThat(new String(answer)).contains("\"content\":\"ok\"");
            }
        } finally {
            runtime.answerAfter = null;
        }
    }

    /**
     * An honest fake runtime on a raw socket: answers its readiness probe ({@code GET /v1/models}), and takes chat
     * calls that it answers after {@link #answerAfter}, or never; it notes when the gateway closes such a call's
     * connection (a {@code com.sun.net.httpserver} runtime could not tell).
     */
    static final class HangingRuntime implements AutoCloseable {
        static final String ANSWER = "{\"id\":\"chatcmpl-hang\",\"object\":\"chat.completion\",\"created\":0,"
                + "\"model\":\"hang\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"ok\"},"
                + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":1,\"total_tokens\":4}}";
        final ServerSocket socket;
        final CountDownLatch received = new CountDownLatch(1);
        final CountDownLatch closed = new CountDownLatch(1);
        volatile String requestId;
        volatile Duration answerAfter;

        HangingRuntime() throws IOException {
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread.ofPlatform().daemon().name("hanging-runtime").start(() -> {
                while (!socket.isClosed()) {
                    try {
                        Socket s = socket.accept();
                        Thread.ofVirtual().start(() -> serve(s));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        int port() {
            return socket.getLocalPort();
        }

        private void serve(Socket s) {
            try (s) {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                while (true) {
                    String requestLine = line(in);
                    if (requestLine == null) {
                        return;
                    }
                    int length = 0;
                    String id = null;
                    String h;
                    while ((h = line(in)) != null && !h.isEmpty()) {
                        String lower = h.toLowerCase(Locale.ROOT);
                        if (lower.startsWith("content-length:")) {
                            length = Integer.parseInt(h.substring(15).trim());
                        } else if (lower.startsWith("x-request-id:")) {
                            id = h.substring(13).trim();
                        }
                    }
                    in.readNBytes(length);
                    if (requestLine.startsWith("GET ")) {
                        respond(out, "{\"object\":\"list\",\"data\":[{\"id\":\"hang\",\"object\":\"model\"}]}");
                        continue;
                    }
                    Duration after = answerAfter;
                    if (after != null) {
                        Thread.sleep(after);
                        respond(out, ANSWER);
                        continue;
                    }
                    requestId = id;
                    received.countDown();
                    while (in.read() >= 0) {
                        // Nothing comes; the read ends when the gateway closes the connection.
                    }
                    closed.countDown();
                    return;
                }
            } catch (IOException | InterruptedException | RuntimeException e) {
                // The connection ended.
            }
        }

        private static void respond(OutputStream out, String json) throws IOException {
            byte[] b = json.getBytes(StandardCharsets.UTF_8);
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + b.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.write(b);
            out.flush();
        }

        private static String line(InputStream in) throws IOException {
            StringBuilder sb = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0) {
                if (c == '\n') {
                    return sb.toString().stripTrailing();
                }
                sb.append((char) c);
            }
            return sb.isEmpty() ? null : sb.toString();
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
