package io.kiban.server.tenancy;

import java.util.List;

/** One page of a list, in OpenAI's list shape once rendered: the items and whether more follow. */
public record Page<T>(List<T> data, boolean hasMore) {
    public Page {
        data = List.copyOf(data);
    }

    /** Takes {@code limit} items from a list fetched with one extra, which tells whether there are more. */
    public static <T> Page<T> ofOneExtra(List<T> fetched, int limit) {
        return fetched.size() > limit ? new Page<>(fetched.subList(0, limit), true) : new Page<>(fetched, false);
    }

    /** Pages an in-memory list by id: items after the one with id {@code after} (all when null or unknown: empty). */
    public static <T> Page<T> slice(List<T> all, java.util.function.Function<T, String> id, String after, int limit) {
        int start = 0;
        if (after != null) {
            start = -1;
            for (int i = 0; i < all.size(); i++) {
                if (id.apply(all.get(i)).equals(after)) {
                    start = i + 1;
                    break;
                }
            }
            if (start < 0) {
                return new Page<>(List.of(), false);
            }
        }
        int end = Math.min(all.size(), start + limit);
        return new Page<>(all.subList(start, end), end < all.size());
    }
}
