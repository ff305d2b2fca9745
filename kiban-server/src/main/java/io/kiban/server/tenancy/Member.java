package io.kiban.server.tenancy;

import io.kiban.store.tenancy.ProjectMember;
import io.kiban.store.tenancy.User;

/**
 * A project member as shown to a caller.
 *
 * @param user the member's user record, shown only to the project's managers and administrators; else null
 */
public record Member(ProjectMember membership, User user) {}
