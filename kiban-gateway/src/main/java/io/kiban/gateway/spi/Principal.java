package io.kiban.gateway.spi;

import java.util.Set;

/**
 * Who is calling, as established from the API key.
 *
 * @param allowedModels model names this key may use; empty means all
 * @param metadataOnly record no request or response bodies in history for this key
 */
public record Principal(String userId, String keyId, String projectId, boolean admin, Set<String> allowedModels,
        boolean metadataOnly) {

    public boolean mayUse(String model) {
        return allowedModels.isEmpty() || allowedModels.contains(model);
    }

    /** The caller when authentication is switched off ({@code --auth none}, for local use and benchmarks). */
    public static final Principal ANONYMOUS = new Principal("anonymous", null, null, true, Set.of(), false);
}
