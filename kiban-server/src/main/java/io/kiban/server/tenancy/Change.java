package io.kiban.server.tenancy;

/**
 * One field of a partial update (PATCH): absent, so the current value stays, or present with a new value, which
 * may be null to clear the field.
 */
public record Change<T>(boolean present, T value) {
    private static final Change<?> KEEP = new Change<>(false, null);

    @SuppressWarnings("unchecked")
    public static <T> Change<T> keep() {
        return (Change<T>) KEEP;
    }

    public static <T> Change<T> to(T value) {
        return new Change<>(true, value);
    }

    public T orElse(T current) {
        return present ? value : current;
    }
}
