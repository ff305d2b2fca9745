package io.kiban.server.usage;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.gateway.spi.Principal;
import io.kiban.store.tenancy.ProjectRepository;
import io.kiban.store.usage.UsageQuery;
import io.kiban.store.usage.UsageRepository;
import io.kiban.store.usage.UsageRow;
import io.kiban.store.usage.UsageScope;
import java.time.Clock;
import java.util.List;

/**
 * The logic behind the usage routes: whose usage a caller may see, and the query. A user sees their own usage and
 * that of projects they are a member of; another user's or an unknown project answers 404, the same as a missing
 * one. Administrators see anyone's.
 */
public final class UsageService {
    private final UsageRepository usage;
    private final ProjectRepository projects;
    private final Clock clock;

    public UsageService(UsageRepository usage, ProjectRepository projects, Clock clock) {
        this.usage = usage;
        this.projects = projects;
        this.clock = clock;
    }

    Clock clock() {
        return clock;
    }

    /** The scope a user asked for with {@code user_id} or {@code project_id} (at most one), checked. */
    UsageScope ownScope(Principal p, String userId, String projectId) {
        if (userId != null && projectId != null) {
            throw new ApiException(ApiError.invalidParam("project_id", "Give user_id or project_id, not both."));
        }
        if (projectId != null) {
            if (projects.member(projectId, p.userId()).isEmpty()) {
                throw new ApiException(new ApiError.NotFound("No project '" + shorten(projectId) + "' was found.",
                        "project_id", "not_found"));
            }
            return UsageScope.project(projectId);
        }
        if (userId != null && !userId.equals(p.userId())) {
            throw new ApiException(new ApiError.NotFound("No user '" + shorten(userId) + "' was found.", "user_id",
                    "not_found"));
        }
        return UsageScope.user(p.userId());
    }

    static UsageScope adminScope(String userId, String projectId) {
        if (userId != null && projectId != null) {
            throw new ApiException(ApiError.invalidParam("project_id", "Give user_id or project_id, not both."));
        }
        return userId != null ? UsageScope.user(userId) : projectId != null ? UsageScope.project(projectId)
                : UsageScope.all();
    }

    List<UsageRow> rows(UsageScope scope, UsageParams q) {
        return usage.query(scope, new UsageQuery(q.from(), q.to(), q.bucket(), q.groupBy(), q.model(), q.keyId()));
    }

    UsageRepository repository() {
        return usage;
    }

    private static String shorten(String s) {
        return s.length() > 64 ? s.substring(0, 64) + "…" : s;
    }
}
