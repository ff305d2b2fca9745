package io.kiban.gateway.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.kiban.api.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import tools.jackson.databind.JsonNode;

/**
 * A well-behaved OpenAI-compatible model runtime on loopback, built on the JDK's HTTP server: it answers chat,
 * completion and embedding calls with fixed content ("Hello", 7 prompt and 2 completion tokens), streams when asked,
 * and sends the usage chunk only when {@code stream_options.include_usage} is true, as vLLM and llama.cpp do.
 * Records what it received. A test may replace the answer with {@link #answer(Answer)}.
 */
public final class FakeRuntime implements AutoCloseable {
    static {
        // Without it every response waits ~40 ms for Nagle's algorithm and a delayed ACK.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    public static final String ID = "chatcmpl-fake";

    /** How the runtime answers one call. */
    @FunctionalInterface
    public interface Answer {
        void answer(HttpExchange ex, JsonNode request) throws IOException;
    }

    /** A call as received. */
    public record Call(String path, String contentType, String requestId, String authorization, byte[] body) {
        public JsonNode json() {
            return Json.MAPPER.readTree(body);
        }
    }

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private volatile Answer answer = FakeRuntime::openAi;

    public FakeRuntime() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        server.setExecutor(executor);
        server.createContext("/", ex -> {
            try (ex) {
                byte[] body = ex.getRequestBody().readAllBytes();
                calls.add(new Call(ex.getRequestURI().getPath(), ex.getRequestHeaders().getFirst("Content-Type"),
                        ex.getRequestHeaders().getFirst("x-request-id"), ex.getRequestHeaders().getFirst("Authorization"), body));
                answer.answer(ex, Json.MAPPER.readTree(body));
            }
        });
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public FakeRuntime answer(Answer answer) {
        this.answer = answer;
        return this;
    }

    public List<Call> calls() {
        return List.copyOf(calls);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    // ---- the default answers ----

    public static final String USAGE_CHUNK = "data: {\"id\":\"" + ID + "\",\"object\":\"chat.completion.chunk\",\"choices\":[],"
            + "\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2,\"total_tokens\":9}}\n\n";

    public static List<String> chatEvents() {
        return List.of(
                "data: {\"id\":\"" + ID + "\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n",
                "data: {\"id\":\"" + ID + "\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n",
                "data: {\"id\":\"" + ID + "\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}\n\n");
    }

    public static final String CHAT_JSON = "{\"id\":\"" + ID + "\",\"object\":\"chat.completion\",\"choices\":[{\"index\":0,"
            + "\"message\":{\"role\":\"assistant\",\"content\":\"Hello\"},\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2,\"total_tokens\":9}}";

    public static final String EMBEDDING_JSON = "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
            + "\"embedding\":[0.1,0.2]}],\"model\":\"m\",\"usage\":{\"prompt_tokens\":3,\"total_tokens\":3}}";

    public static void openAi(HttpExchange ex, JsonNode request) throws IOException {
        if (ex.getRequestURI().getPath().endsWith("/embeddings")) {
            json(ex, 200, EMBEDDING_JSON);
        } else if (request.path("stream").asBoolean(false)) {
            ex.getResponseHeaders().set("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            for (String e : chatEvents()) {
                send(out, e);
            }
            if (request.path("stream_options").path("include_usage").asBoolean(false)) {
                send(out, USAGE_CHUNK);
            }
            send(out, "data: [DONE]\n\n");
        } else {
            json(ex, 200, CHAT_JSON);
        }
    }

    public static void json(HttpExchange ex, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }

    public static void send(OutputStream out, String event) throws IOException {
        out.write(event.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
