package io.kiban.server.tenancy;

import java.time.Instant;
import java.util.List;

/** A partial update of a key's settings; absent fields stay. The secret never changes here (see rotate). */
public record KeyChanges(String name, Change<String> projectId, Change<Instant> expiresAt,
        Change<List<String>> allowedModels, Change<List<String>> allowedCidrs, Change<Integer> rpmLimit,
        Change<Long> tpmLimit, Boolean metadataOnly) {}
