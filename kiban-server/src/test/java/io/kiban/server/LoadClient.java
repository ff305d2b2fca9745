package io.kiban.server;

import io.kiban.api.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.JsonNode;

/**
 * A test client that sends chat requests, streamed or whole, and keeps what the client was told: the id and the
 * usage of every acknowledged request (a 200 body, or a stream that ended with its usage chunk and {@code [DONE]}).
 * This is the "independent listener" of the durability tests: afterwards, the store must hold exactly these.
 */
final class LoadClient {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    /** What the client was told about one acknowledged request. */
    record Ack(String id, long promptTokens, long completionTokens) {}

    final Set<Ack> acknowledged = ConcurrentHashMap.newKeySet();
    final AtomicLong failed = new AtomicLong();
    private volatile int port;
    private final String key;
    private final String model;

    LoadClient(int port, String key, String model) {
        this.port = port;
        this.key = key;
        this.model = model;
    }

    void port(int p) {
        this.port = p;
    }

    /** Sends request number {@code i}: streamed when i is odd, with {@code 1 + i % 24} output tokens. */
    boolean send(int i) {
        boolean stream = i % 2 == 1;
        String body = "{\"model\":\"" + model + "\",\"max_tokens\":" + (1 + i % 24) + (stream
                ? ",\"stream\":true,\"stream_options\":{\"include_usage\":true}" : "")
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"request number " + i + " of the load\"}]}";
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(60)).header("Authorization", "Bearer " + key)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        try {
            if (!stream) {
                HttpResponse<String> r = CLIENT.send(req, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                    failed.incrementAndGet();
                    return false;
                }
                JsonNode n = Json.MAPPER.readTree(r.body());
                acknowledged.add(new Ack(n.path("id").asString(), n.path("usage").path("prompt_tokens").asLong(),
                        n.path("usage").path("completion_tokens").asLong()));
                return true;
            }
            HttpResponse<java.util.stream.Stream<String>> r = CLIENT.send(req, HttpResponse.BodyHandlers.ofLines());
            if (r.statusCode() != 200) {
                r.body().close();
                failed.incrementAndGet();
                return false;
            }
            List<String> lines;
            try (var s = r.body()) {
                lines = s.filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
            }
            if (lines.isEmpty() || !lines.getLast().equals("[DONE]")) {
                failed.incrementAndGet();
                return false;
            }
            JsonNode first = Json.MAPPER.readTree(lines.getFirst());
            JsonNode usage = Json.MAPPER.readTree(lines.get(lines.size() - 2)).path("usage");
            acknowledged.add(new Ack(first.path("id").asString(), usage.path("prompt_tokens").asLong(),
                    usage.path("completion_tokens").asLong()));
            return true;
        } catch (Exception e) {
            failed.incrementAndGet();
            return false;
        }
    }

    long promptTokens() {
        return acknowledged.stream().mapToLong(Ack::promptTokens).sum();
    }

    long completionTokens() {
        return acknowledged.stream().mapToLong(Ack::completionTokens).sum();
    }
}
