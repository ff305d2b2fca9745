package io.kiban.store.history;

import java.util.List;

/**
 * One page of a listing. Pass the last item's id as {@code after} to get the next page.
 *
 * @param hasMore whether a further page exists at the time of the query
 */
public record HistoryPage(List<HistoryRecord> items, boolean hasMore) {
    public HistoryPage {
        items = List.copyOf(items);
    }

    public String firstId() {
        return items.isEmpty() ? null : items.getFirst().id();
    }

    public String lastId() {
        return items.isEmpty() ? null : items.getLast().id();
    }
}
