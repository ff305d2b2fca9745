package io.kiban.store.audit;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A security-relevant event: who did what to which object, from where.
 *
 * @param actorId the user who acted, or null (an unauthenticated caller)
 * @param action one of {@link AuditAction}'s names, or a newer one
 * @param targetType {@code key}, {@code user}, {@code history}… or null
 * @param detail extra facts as strings (old and new role, the key prefix tried); never secrets or bodies
 */
public record AuditEvent(String id, Instant occurredAt, String actorId, String action, String targetType,
        String targetId, String clientIp, Map<String, String> detail) {

    public AuditEvent {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(occurredAt, "occurredAt");
        Objects.requireNonNull(action, "action");
        detail = detail == null ? Map.of() : Map.copyOf(detail);
    }
}
