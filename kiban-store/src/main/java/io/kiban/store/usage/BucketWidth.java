package io.kiban.store.usage;

/** Time bucket of a usage query (OpenAI's {@code bucket_width}: {@code 1h} or {@code 1d}, UTC-aligned). */
public enum BucketWidth {
    HOUR,
    DAY
}
