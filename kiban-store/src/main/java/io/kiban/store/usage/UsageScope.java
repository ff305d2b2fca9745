package io.kiban.store.usage;

import java.util.Objects;

/**
 * Whose usage a query may see: one user's, one project's, or everyone's (admin views only). Every usage query
 * takes a scope, so a user-facing handler cannot forget to restrict it.
 */
public sealed interface UsageScope {
    record OfUser(String userId) implements UsageScope {
        public OfUser {
            Objects.requireNonNull(userId, "userId");
        }
    }

    record OfProject(String projectId) implements UsageScope {
        public OfProject {
            Objects.requireNonNull(projectId, "projectId");
        }
    }

    record All() implements UsageScope {}

    static UsageScope user(String userId) {
        return new OfUser(userId);
    }

    static UsageScope project(String projectId) {
        return new OfProject(projectId);
    }

    static UsageScope all() {
        return new All();
    }
}
