package io.kiban.store.history;

import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * Which of one owner's records to return. Every field is optional (null or empty means "any").
 *
 * @param from inclusive lower bound on {@code createdAt}
 * @param to exclusive upper bound on {@code createdAt}
 * @param metadata pairs that must all be present (OpenAI's {@code metadata[key]=value})
 */
public record HistoryFilter(Set<HistoryKind> kinds, String model, Instant from, Instant to, HistoryStatus status,
        String keyId, Map<String, String> metadata) {

    public static final HistoryFilter ALL = new HistoryFilter(Set.of(), null, null, null, null, null, Map.of());

    public HistoryFilter {
        kinds = kinds == null ? Set.of() : Set.copyOf(kinds);
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    public HistoryFilter withKinds(HistoryKind... k) {
        return new HistoryFilter(Set.of(k), model, from, to, status, keyId, metadata);
    }

    public HistoryFilter withModel(String m) {
        return new HistoryFilter(kinds, m, from, to, status, keyId, metadata);
    }

    public HistoryFilter withTimeRange(Instant fromInclusive, Instant toExclusive) {
        return new HistoryFilter(kinds, model, fromInclusive, toExclusive, status, keyId, metadata);
    }

    public HistoryFilter withStatus(HistoryStatus s) {
        return new HistoryFilter(kinds, model, from, to, s, keyId, metadata);
    }

    public HistoryFilter withKeyId(String k) {
        return new HistoryFilter(kinds, model, from, to, status, k, metadata);
    }

    public HistoryFilter withMetadata(Map<String, String> m) {
        return new HistoryFilter(kinds, model, from, to, status, keyId, m);
    }
}
