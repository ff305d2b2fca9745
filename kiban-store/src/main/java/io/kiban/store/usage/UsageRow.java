package io.kiban.store.usage;

import java.time.Instant;

/**
 * Totals for one bucket and one combination of the grouped dimensions. A dimension that was not grouped by is
 * null; so is a key or project that was absent ("no key", "no project").
 */
public record UsageRow(Instant bucketStart, String userId, String keyId, String projectId, String model,
        long requests, long errors, long promptTokens, long completionTokens) {

    public long totalTokens() {
        return promptTokens + completionTokens;
    }
}
