package io.kiban.store.tenancy;

import java.time.Instant;

/** A user's membership in a project. */
public record ProjectMember(String projectId, String userId, ProjectRole role, Instant addedAt) {}
