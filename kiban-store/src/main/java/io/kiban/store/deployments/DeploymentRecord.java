package io.kiban.store.deployments;

import java.time.Instant;
import java.util.Objects;

/**
 * A stored deployment: its name and the JSON document of its spec, stored as given.
 *
 * @param runtime {@code builtin}, {@code command} or {@code external}
 * @param origin {@code api} or {@code command-line}
 * @param spec the spec as a JSON document; the store does not read it
 * @param revision 1 when created, one more on every update
 */
public record DeploymentRecord(String name, String runtime, String origin, String spec, long revision,
        Instant createdAt, Instant updatedAt) {

    public DeploymentRecord {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(origin, "origin");
        Objects.requireNonNull(spec, "spec");
    }
}
