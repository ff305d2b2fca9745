package io.kiban.store.quota;

import java.time.Instant;
import java.util.Objects;

/** A token budget: at most {@code tokenLimit} prompt plus completion tokens per period for the subject. */
public record Quota(QuotaSubject subject, QuotaPeriod period, long tokenLimit, Instant updatedAt) {
    public Quota {
        Objects.requireNonNull(subject, "subject");
        Objects.requireNonNull(period, "period");
        Objects.requireNonNull(updatedAt, "updatedAt");
        if (tokenLimit < 0) {
            throw new IllegalArgumentException("tokenLimit must not be negative");
        }
    }
}
