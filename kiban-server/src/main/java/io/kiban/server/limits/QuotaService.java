package io.kiban.server.limits;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.api.Json;
import io.kiban.gateway.spi.Principal;
import io.kiban.server.Ids;
import io.kiban.store.audit.AuditEvent;
import io.kiban.store.quota.Quota;
import io.kiban.store.quota.QuotaPeriod;
import io.kiban.store.quota.QuotaRepository;
import io.kiban.store.quota.QuotaSubject;
import io.kiban.store.recorder.Recorder;
import io.kiban.store.tenancy.ProjectRepository;
import io.kiban.store.tenancy.UserRepository;
import io.kiban.store.usage.UsageRepository;
import io.kiban.store.usage.UsageScope;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The logic behind {@code /api/v1/quotas}: administrators set and remove token quotas of users and projects (each
 * change audited and effective on this server at once, on others within the limiter's reload interval); anyone
 * lists the quotas that apply to them with what they used in the current window.
 */
public final class QuotaService {
    static final String QUOTA_SET = "quota.set";
    static final String QUOTA_REMOVED = "quota.removed";

    private final QuotaRepository quotas;
    private final UsageRepository usage;
    private final UserRepository users;
    private final ProjectRepository projects;
    private final GatewayLimiter limiter;
    private final Recorder recorder;
    private final Clock clock;
    private final ZoneId zone;

    public QuotaService(QuotaRepository quotas, UsageRepository usage, UserRepository users, ProjectRepository projects,
            GatewayLimiter limiter, Recorder recorder, Clock clock, ZoneId zone) {
        this.quotas = quotas;
        this.usage = usage;
        this.users = users;
        this.projects = projects;
        this.limiter = limiter;
        this.recorder = recorder;
        this.clock = clock;
        this.zone = zone;
    }

    /** Administrators: every quota, or one subject's; users: their own and their key's project's. */
    ObjectNode list(Principal p, String subjectType, String subjectId) {
        List<Quota> found = new ArrayList<>();
        if (p.admin()) {
            if (subjectType != null && subjectId != null) {
                found.addAll(quotas.forSubject(subject(subjectType, subjectId)));
            } else {
                found.addAll(quotas.all());
            }
        } else {
            found.addAll(quotas.forSubject(QuotaSubject.user(p.userId())));
            if (p.projectId() != null) {
                found.addAll(quotas.forSubject(QuotaSubject.project(p.projectId())));
            }
        }
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("object", "list");
        ArrayNode data = o.putArray("data");
        Instant now = clock.instant();
        for (Quota q : found) {
            data.add(json(q, now));
        }
        return o;
    }

    ObjectNode put(Principal admin, String subjectType, String subjectId, String period, long tokenLimit,
            String clientIp) {
        QuotaSubject subject = subject(subjectType, subjectId);
        QuotaPeriod p = period(period);
        if (tokenLimit < 0) {
            throw new ApiException(ApiError.invalidParam("token_limit", "'token_limit' must be 0 or more."));
        }
        requireExists(subject);
        Instant now = clock.instant();
        Quota q = new Quota(subject, p, tokenLimit, now);
        quotas.put(q);
        limiter.reloadQuotas();
        audit(admin, QUOTA_SET, subject, p, clientIp, Map.of("token_limit", Long.toString(tokenLimit)));
        return json(q, now);
    }

    void remove(Principal admin, String subjectType, String subjectId, String period, String clientIp) {
        QuotaSubject subject = subject(subjectType, subjectId);
        QuotaPeriod p = period(period);
        if (!quotas.remove(subject, p)) {
            throw new ApiException(new ApiError.NotFound("No " + p.wire() + " quota is set for " + subjectType + " '"
                    + shorten(subjectId) + "'.", null, "not_found"));
        }
        limiter.reloadQuotas();
        audit(admin, QUOTA_REMOVED, subject, p, clientIp, Map.of());
    }

    private ObjectNode json(Quota q, Instant now) {
        Instant start = q.period().start(now, zone);
        UsageScope scope = q.subject().type() == QuotaSubject.Type.USER ? UsageScope.user(q.subject().id())
                : UsageScope.project(q.subject().id());
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("object", "quota");
        o.put("subject_type", q.subject().type().wire());
        o.put("subject_id", q.subject().id());
        o.put("period", q.period().wire());
        o.put("token_limit", q.tokenLimit());
        o.put("used_tokens", usage.totalTokens(scope, start, now));
        o.put("window_start", start.atZone(zone).toOffsetDateTime().toString());
        o.put("resets_at", q.period().resetAt(now, zone).atZone(zone).toOffsetDateTime().toString());
        o.put("updated_at", q.updatedAt().toString());
        return o;
    }

    private void requireExists(QuotaSubject s) {
        boolean exists = s.type() == QuotaSubject.Type.USER ? users.findById(s.id()).isPresent()
                : projects.findById(s.id()).isPresent();
        if (!exists) {
            throw new ApiException(new ApiError.NotFound("No " + s.type().wire() + " '" + shorten(s.id())
                    + "' was found.", "subject_id", "not_found"));
        }
    }

    private void audit(Principal admin, String action, QuotaSubject s, QuotaPeriod p, String ip,
            Map<String, String> detail) {
        var d = new java.util.LinkedHashMap<String, String>(detail);
        d.put("period", p.wire());
        recorder.submit(new AuditEvent(Ids.next("aud_"), clock.instant(), admin.userId(), action, s.type().wire(),
                s.id(), ip, d));
    }

    static QuotaSubject subject(String type, String id) {
        try {
            return new QuotaSubject(QuotaSubject.Type.fromWire(type), id);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new ApiException(ApiError.invalidParam("subject_type", "The subject type must be user or project."));
        }
    }

    static QuotaPeriod period(String period) {
        try {
            return QuotaPeriod.fromWire(period);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new ApiException(ApiError.invalidParam("period", "The period must be day or month."));
        }
    }

    private static String shorten(String s) {
        return s.length() > 64 ? s.substring(0, 64) + "…" : s;
    }
}
