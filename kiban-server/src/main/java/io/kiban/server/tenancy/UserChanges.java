package io.kiban.server.tenancy;

import io.kiban.store.tenancy.Role;

/** A partial update of a user; null fields stay as they are. Only administrators may change more than the name. */
public record UserChanges(String name, String email, Role role, Boolean active) {}
