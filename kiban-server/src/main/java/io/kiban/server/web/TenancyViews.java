package io.kiban.server.web;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.kiban.server.tenancy.IssuedKey;
import io.kiban.server.tenancy.Member;
import io.kiban.server.tenancy.Page;
import io.kiban.store.audit.AuditEvent;
import io.kiban.store.keys.ApiKey;
import io.kiban.store.tenancy.Project;
import io.kiban.store.tenancy.User;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The JSON shapes of the tenancy API: explicit records (nothing is serialised straight from a stored row), times as
 * Unix seconds like OpenAI's, nulls written out so clients see every field. A key's secret appears only in the
 * response of create and rotate, and its hash never.
 */
final class TenancyViews {
    private TenancyViews() {}

    /** OpenAI's list shape. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record ListView<T>(String object, List<T> data, String firstId, String lastId, boolean hasMore) {}

    static <S, T> ListView<T> list(Page<S> page, Function<S, T> view, Function<T, String> id) {
        List<T> data = page.data().stream().map(view).toList();
        return new ListView<>("list", data, data.isEmpty() ? null : id.apply(data.getFirst()),
                data.isEmpty() ? null : id.apply(data.getLast()), page.hasMore());
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    record UserView(String object, String id, String name, String email, String role, boolean active, long createdAt,
            long updatedAt) {
        static UserView of(User u) {
            return new UserView("user", u.id(), u.name(), u.email(), u.role().wire(), u.active(),
                    u.createdAt().getEpochSecond(), u.updatedAt().getEpochSecond());
        }
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    record ProjectView(String object, String id, String name, String description, long createdAt) {
        static ProjectView of(Project p) {
            return new ProjectView("project", p.id(), p.name(), p.description(), p.createdAt().getEpochSecond());
        }
    }

    /** A member; name and email only for the project's managers and administrators. */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record MemberView(String object, String projectId, String userId, String role, long addedAt, String name,
            String email) {
        static MemberView of(Member m) {
            var ms = m.membership();
            return new MemberView("project.member", ms.projectId(), ms.userId(), ms.role().wire(),
                    ms.addedAt().getEpochSecond(), m.user() == null ? null : m.user().name(),
                    m.user() == null ? null : m.user().email());
        }
    }

    /**
     * @param status {@code active}, {@code expired} or {@code revoked}
     * @param secret only when just created or rotated
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    record KeyView(String object, String id, String userId, String projectId, String name, String prefix,
            String status, long createdAt, Long lastUsedAt, Long expiresAt, Long revokedAt, List<String> allowedModels,
            List<String> allowedCidrs, Integer rpmLimit, Long tpmLimit, boolean metadataOnly,
            @JsonInclude(JsonInclude.Include.NON_NULL) String secret) {

        static KeyView of(ApiKey k, Instant now) {
            return of(k, now, null);
        }

        static KeyView of(IssuedKey issued, Instant now) {
            return of(issued.key(), now, issued.secret());
        }

        private static KeyView of(ApiKey k, Instant now, String secret) {
            var s = k.settings();
            String status = k.isRevoked() ? "revoked" : k.isExpired(now) ? "expired" : "active";
            return new KeyView("api_key", k.id(), k.userId(), s.projectId(), s.name(), k.prefix(), status,
                    k.createdAt().getEpochSecond(), seconds(k.lastUsedAt()), seconds(s.expiresAt()),
                    seconds(k.revokedAt()), s.allowedModels(), s.allowedCidrs(), s.rpmLimit(), s.tpmLimit(),
                    s.metadataOnly(), secret);
        }

        @Override
        public String toString() {
            return "KeyView[" + id + ", " + prefix + "…]"; // never the secret
        }
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    record AuditEventView(String object, String id, long occurredAt, String actorId, String action, String targetType,
            String targetId, String clientIp, Map<String, String> detail) {
        static AuditEventView of(AuditEvent e) {
            return new AuditEventView("audit_event", e.id(), e.occurredAt().getEpochSecond(), e.actorId(), e.action(),
                    e.targetType(), e.targetId(), e.clientIp(), e.detail());
        }
    }

    private static Long seconds(Instant t) {
        return t == null ? null : t.getEpochSecond();
    }
}
