package io.kiban.store.audit;

import java.time.Instant;

/**
 * Filters for the audit log (admin only); null fields match anything.
 *
 * @param from inclusive
 * @param to exclusive
 */
public record AuditQuery(String actorId, String action, String targetType, String targetId, Instant from,
        Instant to) {

    public static final AuditQuery ALL = new AuditQuery(null, null, null, null, null, null);

    public AuditQuery withActor(String a) {
        return new AuditQuery(a, action, targetType, targetId, from, to);
    }

    public AuditQuery withAction(String a) {
        return new AuditQuery(actorId, a, targetType, targetId, from, to);
    }

    public AuditQuery withTarget(String type, String id) {
        return new AuditQuery(actorId, action, type, id, from, to);
    }

    public AuditQuery withTimeRange(Instant fromInclusive, Instant toExclusive) {
        return new AuditQuery(actorId, action, targetType, targetId, fromInclusive, toExclusive);
    }
}
