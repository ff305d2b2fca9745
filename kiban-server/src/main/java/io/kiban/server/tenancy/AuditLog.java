package io.kiban.server.tenancy;

import io.kiban.server.Ids;
import io.kiban.store.audit.AuditEvent;
import io.kiban.store.audit.AuditQuery;
import io.kiban.store.audit.AuditRepository;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Writes security events (through an asynchronous sink, normally the {@code Recorder}) and lets administrators read
 * them. Details hold ids, prefixes, roles and counts: never a secret or a request body.
 */
public final class AuditLog {
    /** Actions beyond the store's {@link io.kiban.store.audit.AuditAction} names. */
    public static final String USER_CREATED = "user.created";
    public static final String USER_ACTIVATED = "user.activated";
    public static final String USER_EMAIL_CHANGED = "user.email_changed";
    public static final String PROJECT_CREATED = "project.created";
    public static final String PROJECT_MEMBER_PUT = "project.member_put";
    public static final String PROJECT_MEMBER_REMOVED = "project.member_removed";

    private final Consumer<AuditEvent> sink;
    private final AuditRepository repository;
    private final Clock clock;

    public AuditLog(Consumer<AuditEvent> sink, AuditRepository repository, Clock clock) {
        this.sink = sink;
        this.repository = repository;
        this.clock = clock;
    }

    /** Records what a caller did to an object. */
    public void record(Caller caller, String action, String targetType, String targetId, Map<String, String> detail) {
        sink.accept(new AuditEvent(Ids.next("aud_"), clock.instant(), caller.userId(), action, targetType, targetId,
                caller.clientIp(), withKey(caller, detail)));
    }

    /** Events matching the query, newest first (administrators only). */
    public Page<AuditEvent> query(Caller caller, AuditQuery query, String after, Integer limit) {
        if (!caller.admin()) {
            throw Problems.adminOnly("read the audit log");
        }
        int n = Validate.limit(limit);
        List<AuditEvent> events = repository.query(query, after, n + 1);
        return Page.ofOneExtra(events, n);
    }

    private static Map<String, String> withKey(Caller caller, Map<String, String> detail) {
        if (caller.keyId() == null) {
            return detail;
        }
        var all = new java.util.LinkedHashMap<>(detail);
        all.put("via_key", caller.keyId());
        return all;
    }
}
