package io.kiban.store.keys;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * What a key may do: the part of a key its owner can change, and that rotation keeps.
 *
 * @param projectId the project the key bills to, or null
 * @param expiresAt null for a key that does not expire
 * @param allowedModels model names; empty means every model the owner may use
 * @param allowedCidrs client networks such as {@code 10.0.0.0/8}; empty means any address
 * @param rpmLimit requests per minute, or null for no key-level limit
 * @param tpmLimit tokens per minute, or null for no key-level limit
 * @param metadataOnly whether history for this key keeps metadata but no request or response bodies
 */
public record KeySettings(String name, String projectId, Instant expiresAt, List<String> allowedModels,
        List<String> allowedCidrs, Integer rpmLimit, Long tpmLimit, boolean metadataOnly) {

    public KeySettings {
        Objects.requireNonNull(name, "name");
        allowedModels = allowedModels == null ? List.of() : List.copyOf(allowedModels);
        allowedCidrs = allowedCidrs == null ? List.of() : List.copyOf(allowedCidrs);
    }

    /** A named key with no restrictions. */
    public static KeySettings named(String name) {
        return new KeySettings(name, null, null, List.of(), List.of(), null, null, false);
    }

    public boolean allowsModel(String model) {
        return allowedModels.isEmpty() || allowedModels.contains(model);
    }
}
