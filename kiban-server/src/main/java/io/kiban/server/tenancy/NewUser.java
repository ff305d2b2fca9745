package io.kiban.server.tenancy;

import io.kiban.store.tenancy.Role;

/** What an administrator may set when creating a user; role defaults to {@code user}. */
public record NewUser(String name, String email, Role role) {}
