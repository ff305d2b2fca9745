package io.kiban.store.tenancy;

import java.time.Instant;
import java.util.Objects;

/** A group of users (a lab, a course) that can own keys, quotas and usage. */
public record Project(String id, String name, String description, Instant createdAt) {
    public Project {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(createdAt, "createdAt");
    }
}
