package io.kiban.store.tenancy;

import java.time.Instant;
import java.util.Objects;

/**
 * A person who uses Kiban.
 *
 * @param email stored as given; the logic layer lower-cases it first so that uniqueness ignores case
 * @param active an inactive user's keys stop working (the key cache drops them)
 */
public record User(String id, String name, String email, Role role, boolean active, Instant createdAt,
        Instant updatedAt) {

    public User {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(email, "email");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
    }
}
