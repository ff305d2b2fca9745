package io.kiban.store.keys;

import java.time.Instant;
import java.util.Objects;

/**
 * A stored API key: identity, the hash of its secret, lifecycle times and settings.
 *
 * @param id a short public id such as {@code key_…}; safe to show and log
 * @param prefix the first characters of the secret, for display
 * @param secretHash lower-case hex SHA-256 of the secret ({@link KeySecrets#hash})
 * @param lastUsedAt updated lazily by {@link LastUseTracker}; may lag by one flush interval
 * @param revision a change number, shared by all keys changed in one transaction and increasing in commit order;
 *     {@code last_used_at} updates do not change it
 */
public record ApiKey(String id, String userId, String prefix, String secretHash, Instant createdAt,
        Instant lastUsedAt, Instant revokedAt, KeySettings settings, long revision) {

    public ApiKey {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(secretHash, "secretHash");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(settings, "settings");
    }

    /** A key about to be inserted; the repository assigns the revision. */
    public static ApiKey create(String id, String userId, KeySecrets.NewSecret secret, KeySettings settings,
            Instant createdAt) {
        return new ApiKey(id, userId, secret.prefix(), secret.hash(), createdAt, null, null, settings, 0);
    }

    public boolean isRevoked() {
        return revokedAt != null;
    }

    /** Expired at {@code now} when an expiry is set and not after now. */
    public boolean isExpired(Instant now) {
        return settings.expiresAt() != null && !settings.expiresAt().isAfter(now);
    }
}
