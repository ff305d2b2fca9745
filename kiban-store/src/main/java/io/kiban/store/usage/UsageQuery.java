package io.kiban.store.usage;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * A usage report request: a time range in buckets, grouped by some dimensions, optionally filtered.
 *
 * @param from inclusive; usage is kept per hour, so the range is effectively rounded out to whole hours
 * @param to exclusive
 * @param groupBy dimensions to break the totals down by; dimensions not listed are summed over
 * @param model only this model, or null
 * @param keyId only this key, or null
 */
public record UsageQuery(Instant from, Instant to, BucketWidth bucket, Set<UsageDimension> groupBy, String model,
        String keyId) {

    public UsageQuery {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(to, "to");
        Objects.requireNonNull(bucket, "bucket");
        groupBy = groupBy == null ? Set.of() : Set.copyOf(groupBy);
    }

    public static UsageQuery daily(Instant from, Instant to, UsageDimension... groupBy) {
        return new UsageQuery(from, to, BucketWidth.DAY, Set.of(groupBy), null, null);
    }

    public static UsageQuery hourly(Instant from, Instant to, UsageDimension... groupBy) {
        return new UsageQuery(from, to, BucketWidth.HOUR, Set.of(groupBy), null, null);
    }

    public UsageQuery withModel(String m) {
        return new UsageQuery(from, to, bucket, groupBy, m, keyId);
    }

    public UsageQuery withKeyId(String k) {
        return new UsageQuery(from, to, bucket, groupBy, model, k);
    }
}
