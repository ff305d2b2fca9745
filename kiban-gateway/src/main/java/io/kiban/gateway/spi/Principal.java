package io.kiban.gateway.spi;

import java.util.Set;

/**
 * Who is calling, as established from the API key.
 *
 * @param allowedModels model names this key may use; empty means all
 * @param metadataOnly record no request or response bodies in history for this key
 * @param rpmLimit the key's requests per minute, 0 for no key-level limit
 * @param tpmLimit the key's tokens per minute, 0 for no key-level limit
 */
public record Principal(String userId, String keyId, String projectId, boolean admin, Set<String> allowedModels,
        boolean metadataOnly, int rpmLimit, long tpmLimit) {

    /** A principal without key-level rate limits. */
    public Principal(String userId, String keyId, String projectId, boolean admin, Set<String> allowedModels,
            boolean metadataOnly) {
        this(userId, keyId, projectId, admin, allowedModels, metadataOnly, 0, 0);
    }

    public boolean mayUse(String model) {
        return allowedModels.isEmpty() || allowedModels.contains(model);
    }

    /** The caller when authentication is switched off ({@code --auth none}, for local use and benchmarks). */
    public static final Principal ANONYMOUS = new Principal("anonymous", null, null, true, Set.of(), false);
}
