package io.kiban.store.history;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One request that went through the gateway, as recorded in the history.
 *
 * @param id the id the caller gave the response (for chat, the {@code chatcmpl-…} id); unique across all users
 * @param keyId the key that authenticated the request, or null (a web-UI session)
 * @param projectId the project billed, or null
 * @param clientIp the client's address as the gateway saw it, or null
 * @param requestBody the request JSON, or null when the key is metadata-only ({@link #withoutBodies})
 * @param responseBody the response JSON (for streams, the assembled completion), or null as above
 * @param ttftMs milliseconds to the first token for streams, else null
 * @param metadata OpenAI {@code metadata}: at most 16 pairs, keys up to 64 and values up to 512 characters
 */
public record HistoryRecord(String id, HistoryKind kind, String userId, String keyId, String projectId, String model,
        String clientIp, HistoryStatus status, int httpStatus, String requestBody, String responseBody,
        Instant createdAt, Long ttftMs, long durationMs, long promptTokens, long completionTokens,
        Map<String, String> metadata) {

    public HistoryRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(createdAt, "createdAt");
        requireLength("id", id, 128);
        requireLength("model", model, 256);
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
        if (metadata.size() > 16) {
            throw new IllegalArgumentException("metadata has more than 16 pairs");
        }
        metadata.forEach((k, v) -> {
            requireLength("metadata key", k, 64);
            requireLength("metadata value", v, 512);
        });
    }

    /** The same record with both bodies dropped, for keys whose owner chose "metadata only". */
    public HistoryRecord withoutBodies() {
        return new HistoryRecord(id, kind, userId, keyId, projectId, model, clientIp, status, httpStatus, null, null,
                createdAt, ttftMs, durationMs, promptTokens, completionTokens, metadata);
    }

    private static void requireLength(String what, String value, int max) {
        if (value.length() > max) {
            throw new IllegalArgumentException(what + " is longer than " + max + " characters");
        }
    }
}
