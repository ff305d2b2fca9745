package io.kiban.store.history;

import io.kiban.store.Database;
import io.kiban.store.Dialect;
import io.kiban.store.Jdbc;
import io.kiban.store.JsonColumns;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Request history. Every read, delete and export takes the owner's user id and matches on it, so another user's
 * record and a record that does not exist are indistinguishable to the caller.
 *
 * <p>Deletion is a hard delete (the row and its metadata rows are gone), so a user's "delete" really removes
 * their prompts. Records are written by the {@code Recorder} through {@link #insertBatch}; the id is unique across
 * all users and a second record with the same id is ignored.
 *
 * <p>Listings are ordered by {@code (created_at, id)} and paged with a keyset cursor (the last id of the previous
 * page), so concurrent inserts never shift a page: no record is returned twice and none that existed when the
 * listing started is skipped. A record written later with a creation time inside an already-read range (the
 * Recorder writes asynchronously, up to its batch delay behind) appears only in new listings.
 */
public final class HistoryRepository {
    private static final String COLUMNS = "h.id, h.kind, h.user_id, h.key_id, h.project_id, h.model, h.client_ip, "
            + "h.status, h.http_status, h.request_text, h.request_body, h.response_text, h.response_body, h.created_at, h.ttft_ms, h.duration_ms, "
            + "h.prompt_tokens, h.completion_tokens, h.metadata";
    private static final int EXPORT_FETCH_SIZE = 200;

    private final Database db;

    public HistoryRepository(Database db) {
        this.db = db;
    }

    /** Inserts one record outside the Recorder (tests, imports); false if the id already exists. */
    public boolean insert(HistoryRecord record) {
        return db.inTransaction(c -> insertBatch(c, List.of(record))[0]);
    }

    /**
     * Inserts records in the caller's transaction, skipping ids that already exist.
     *
     * @return for each record, whether it was inserted (false: the id was already there)
     */
    public boolean[] insertBatch(Connection c, List<HistoryRecord> records) throws SQLException {
        boolean[] inserted = new boolean[records.size()];
        if (records.isEmpty()) {
            return inserted;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO history (id, kind, user_id, key_id, project_id, "
                + "model, client_ip, status, http_status, request_text, request_body, response_text, response_body, "
                + "created_at, ttft_ms, duration_ms, prompt_tokens, completion_tokens, metadata) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
            for (HistoryRecord r : records) {
                // Each body goes to its inline column when it fits, else to its large-object column (V7).
                String request = r.requestBody();
                String response = r.responseBody();
                boolean requestInline = fitsInline(request);
                boolean responseInline = fitsInline(response);
                Jdbc.bind(ps, r.id(), r.kind().wire(), r.userId(), r.keyId(), r.projectId(), r.model(),
                        r.clientIp(), r.status().wire(), r.httpStatus(), requestInline ? request : null,
                        requestInline ? null : request, responseInline ? response : null,
                        responseInline ? null : response, r.createdAt());
                Jdbc.setNullableLong(ps, 15, r.ttftMs());
                ps.setLong(16, r.durationMs());
                ps.setLong(17, r.promptTokens());
                ps.setLong(18, r.completionTokens());
                ps.setString(19, JsonColumns.fromMap(r.metadata()));
                ps.addBatch();
            }
            int[] counts = ps.executeBatch();
            for (int i = 0; i < counts.length; i++) {
                // SUCCESS_NO_INFO (-2) cannot happen without rewritten batches, but would mean "inserted".
                inserted[i] = counts[i] != 0;
            }
        }
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO history_metadata (history_id, user_id, meta_key, meta_value) VALUES (?, ?, ?, ?)")) {
            boolean any = false;
            for (int i = 0; i < records.size(); i++) {
                if (!inserted[i]) {
                    continue;
                }
                for (Map.Entry<String, String> e : records.get(i).metadata().entrySet()) {
                    Jdbc.bind(ps, records.get(i).id(), records.get(i).userId(), e.getKey(), e.getValue());
                    ps.addBatch();
                    any = true;
                }
            }
            if (any) {
                ps.executeBatch();
            }
        }
        return inserted;
    }

    /** One of the owner's records. */
    public Optional<HistoryRecord> find(String userId, String id) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT " + COLUMNS + " FROM history h WHERE h.user_id = ? AND h.id = ?")) {
                Jdbc.bind(ps, userId, id);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(map(rs)) : Optional.<HistoryRecord>empty();
                }
            }
        });
    }

    /**
     * A page of the owner's records matching the filter.
     *
     * @param after the id of the last record of the previous page, or null for the first page; an id that is not
     *     one of the owner's records gives an empty page
     * @param limit page size, 1 to 1000
     */
    public HistoryPage list(String userId, HistoryFilter filter, String after, int limit, SortOrder order) {
        if (limit < 1 || limit > 1000) {
            throw new IllegalArgumentException("limit must be between 1 and 1000");
        }
        return db.withConnection(c -> {
            var where = new Where(userId, filter);
            if (after != null) {
                Instant cursorTime = cursorTime(c, userId, after);
                if (cursorTime == null) {
                    return new HistoryPage(List.of(), false);
                }
                where.add("(h.created_at, h.id) " + (order == SortOrder.ASC ? ">" : "<") + " (?, ?)",
                        cursorTime, after);
            }
            String sql = "SELECT " + COLUMNS + " FROM history h WHERE " + where.sql() + orderBy(order) + " LIMIT ?";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                where.params().add(limit + 1);
                Jdbc.bind(ps, where.params().toArray());
                var items = new ArrayList<HistoryRecord>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        items.add(map(rs));
                    }
                }
                boolean hasMore = items.size() > limit;
                return new HistoryPage(hasMore ? items.subList(0, limit) : items, hasMore);
            }
        });
    }

    /** Deletes one of the owner's records and its metadata; false if the owner has no such record. */
    public boolean delete(String userId, String id) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM history WHERE user_id = ? AND id = ?")) {
                Jdbc.bind(ps, userId, id);
                return ps.executeUpdate() == 1;
            }
        });
    }

    /**
     * Streams every matching record of the owner to {@code sink}, in order, in constant memory: the rows come
     * through a server-side cursor ({@code fetchSize} inside a transaction on PostgreSQL, lazy query execution on
     * H2), never as one materialised result. The sink runs on the calling thread while a connection is held, so
     * it should write to the client and return; an exception from the sink ends the export.
     *
     * @return the number of records streamed
     */
    public long export(String userId, HistoryFilter filter, SortOrder order, Consumer<HistoryRecord> sink) {
        return db.withConnection(c -> {
            var where = new Where(userId, filter);
            String sql = "SELECT " + COLUMNS + " FROM history h WHERE " + where.sql() + orderBy(order);
            return streaming(c, () -> {
                long count = 0;
                try (PreparedStatement ps = c.prepareStatement(sql, ResultSet.TYPE_FORWARD_ONLY,
                        ResultSet.CONCUR_READ_ONLY)) {
                    ps.setFetchSize(EXPORT_FETCH_SIZE);
                    Jdbc.bind(ps, where.params().toArray());
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            sink.accept(map(rs));
                            count++;
                        }
                    }
                }
                return count;
            });
        });
    }

    /**
     * Deletes records created before {@code cutoff}, {@code batchSize} rows per transaction so a large purge
     * never holds long locks.
     *
     * @return the number of records deleted
     */
    public long purgeOlderThan(Instant cutoff, int batchSize) {
        long total = 0;
        while (true) {
            int deleted = db.withConnection(c -> {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM history WHERE id IN "
                        + "(SELECT id FROM history WHERE created_at < ? ORDER BY created_at LIMIT ?)")) {
                    Jdbc.bind(ps, cutoff, batchSize);
                    return ps.executeUpdate();
                }
            });
            total += deleted;
            if (deleted < batchSize) {
                return total;
            }
        }
    }

    private interface SqlWork {
        long run() throws SQLException;
    }

    private long streaming(Connection c, SqlWork work) throws SQLException {
        if (db.dialect() == Dialect.POSTGRESQL) {
            // PostgreSQL only honours fetchSize inside a transaction; otherwise the driver reads every row first.
            return Database.inTransaction(c, conn -> work.run());
        }
        try (Statement st = c.createStatement()) {
            st.execute("SET LAZY_QUERY_EXECUTION TRUE");
        }
        try {
            return work.run();
        } finally {
            try (Statement st = c.createStatement()) {
                st.execute("SET LAZY_QUERY_EXECUTION FALSE");
            }
        }
    }

    private static Instant cursorTime(Connection c, String userId, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT created_at FROM history WHERE user_id = ? AND id = ?")) {
            Jdbc.bind(ps, userId, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Jdbc.getInstant(rs, "created_at") : null;
            }
        }
    }

    private static String orderBy(SortOrder order) {
        return order == SortOrder.ASC ? " ORDER BY h.created_at, h.id" : " ORDER BY h.created_at DESC, h.id DESC";
    }

    /** The WHERE clause for an owner and a filter; the owner condition is always first. */
    private static final class Where {
        private final StringBuilder sql = new StringBuilder("h.user_id = ?");
        private final List<Object> params = new ArrayList<>();

        Where(String userId, HistoryFilter f) {
            params.add(java.util.Objects.requireNonNull(userId, "userId"));
            if (!f.kinds().isEmpty()) {
                add("h.kind IN (" + String.join(", ", f.kinds().stream().map(k -> "?").toList()) + ")",
                        f.kinds().stream().map(HistoryKind::wire).sorted().toArray());
            }
            if (f.model() != null) {
                add("h.model = ?", f.model());
            }
            if (f.from() != null) {
                add("h.created_at >= ?", f.from());
            }
            if (f.to() != null) {
                add("h.created_at < ?", f.to());
            }
            if (f.status() != null) {
                add("h.status = ?", f.status().wire());
            }
            if (f.keyId() != null) {
                add("h.key_id = ?", f.keyId());
            }
            f.metadata().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> add(
                    "EXISTS (SELECT 1 FROM history_metadata m WHERE m.history_id = h.id AND m.user_id = h.user_id "
                            + "AND m.meta_key = ? AND m.meta_value = ?)", e.getKey(), e.getValue()));
        }

        void add(String condition, Object... values) {
            sql.append(" AND ").append(condition);
            params.addAll(List.of(values));
        }

        String sql() {
            return sql.toString();
        }

        List<Object> params() {
            return params;
        }
    }

    private static boolean fitsInline(String text) {
        return text != null && text.length() <= Dialect.INLINE_TEXT_CHARS;
    }

    /** A body from its inline column, else from its large-object column (rows written before V7, long bodies). */
    private static String body(ResultSet rs, String inline, String large) throws SQLException {
        String text = rs.getString(inline);
        return text != null ? text : rs.getString(large);
    }

    private static HistoryRecord map(ResultSet rs) throws SQLException {
        return new HistoryRecord(rs.getString("id"), HistoryKind.fromWire(rs.getString("kind")),
                rs.getString("user_id"), rs.getString("key_id"), rs.getString("project_id"), rs.getString("model"),
                rs.getString("client_ip"), HistoryStatus.fromWire(rs.getString("status")), rs.getInt("http_status"),
                body(rs, "request_text", "request_body"), body(rs, "response_text", "response_body"),
                Jdbc.getInstant(rs, "created_at"),
                Jdbc.getNullableLong(rs, "ttft_ms"), rs.getLong("duration_ms"), rs.getLong("prompt_tokens"),
                rs.getLong("completion_tokens"), JsonColumns.toMap(rs.getString("metadata")));
    }
}
