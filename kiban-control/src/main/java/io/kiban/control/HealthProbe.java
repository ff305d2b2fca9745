package io.kiban.control;

import io.kiban.api.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import tools.jackson.databind.JsonNode;

/**
 * Asks a replica whether it is healthy: {@code GET} on its health path answers 200. For {@code kiban worker}s the
 * answer also carries their slot count, which becomes the replica's capacity.
 */
public class HealthProbe {
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
            .version(HttpClient.Version.HTTP_1_1).build();
    private final Duration timeout;

    public HealthProbe(Duration timeout) {
        this.timeout = timeout;
    }

    /**
     * The {@code slots} a {@code kiban worker} reports in its health answer; 0 (unknown) for any other program's
     * answer, which may be empty (vLLM), plain text or JSON without slots (llama-server).
     */
    static int slots(byte[] body) {
        if (body.length == 0 || body[0] != '{') {
            return 0;
        }
        try {
            JsonNode h = Json.MAPPER.readTree(body);
            return h.path("slots").asInt(0);
        } catch (RuntimeException notJson) {
            return 0;
        }
    }

    /** The outcome of one probe. */
    public record Result(boolean healthy, int slots, String error) {}

    public Result probe(ReplicaEndpoint endpoint, String path) {
        try {
            HttpRequest.Builder req = HttpRequest.newBuilder(URI.create("http://" + endpoint.host() + ":" + endpoint.port() + path))
                    .timeout(timeout).GET();
            if (endpoint.authorization() != null && !path.equals("/health")) {
                req.header("Authorization", endpoint.authorization());
            }
            HttpResponse<byte[]> res = client.send(req.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (res.statusCode() != 200) {
                return new Result(false, 0, "health check answered " + res.statusCode());
            }
            return new Result(true, slots(res.body()), null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(false, 0, "interrupted");
        } catch (Exception e) {
            return new Result(false, 0, e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
