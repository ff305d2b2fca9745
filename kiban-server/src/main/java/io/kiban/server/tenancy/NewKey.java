package io.kiban.server.tenancy;

import java.time.Instant;
import java.util.List;

/**
 * What a caller may ask for when creating a key. A restriction left out (null) is inherited from the key the caller
 * is using, so a key made with a restricted key is restricted the same way; an explicit value must lie within it.
 *
 * @param userId the owner; null for the caller themselves (only administrators may name someone else)
 * @param allowedModels null: inherit; empty: every model
 * @param allowedCidrs null: inherit; empty: any network
 */
public record NewKey(String userId, String name, String projectId, Instant expiresAt, List<String> allowedModels,
        List<String> allowedCidrs, Integer rpmLimit, Long tpmLimit, Boolean metadataOnly) {}
