package io.kiban.server.tenancy;

import io.kiban.store.tenancy.ProjectRole;

/** Adds a user to a project (or changes their role), naming them by id or by email; role defaults to member. */
public record NewMember(String userId, String email, ProjectRole role) {}
