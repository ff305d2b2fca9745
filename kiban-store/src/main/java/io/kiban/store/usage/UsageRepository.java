package io.kiban.store.usage;

import io.kiban.store.Database;
import io.kiban.store.Dialect;
import io.kiban.store.Jdbc;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Usage counters per UTC hour × user × key × project × model, written as increments and read as grouped totals.
 *
 * <p>Increments are coalesced per row before they reach the database and applied in key order with the dialect's
 * adding upsert, so two servers flushing at the same moment lock rows in the same order and cannot deadlock.
 */
public final class UsageRepository {
    private static final List<Dialect.Column> KEY = List.of(
            new Dialect.Column("bucket_hour", "TIMESTAMP WITH TIME ZONE"), new Dialect.Column("user_id", "VARCHAR"),
            new Dialect.Column("key_id", "VARCHAR"), new Dialect.Column("project_id", "VARCHAR"),
            new Dialect.Column("model", "VARCHAR"));
    private static final List<Dialect.Column> DERIVED = List.of(new Dialect.Column("bucket_day", "DATE"));
    private static final List<Dialect.Column> COUNTERS = List.of(
            new Dialect.Column("requests", "BIGINT"), new Dialect.Column("errors", "BIGINT"),
            new Dialect.Column("prompt_tokens", "BIGINT"), new Dialect.Column("completion_tokens", "BIGINT"));

    private final Database db;
    private final String upsert;

    public UsageRepository(Database db) {
        this.db = db;
        this.upsert = db.dialect().addingUpsert("usage_hourly", KEY, DERIVED, COUNTERS);
    }

    /** Adds increments in their own transaction. */
    public void add(Collection<UsageIncrement> increments) {
        db.inTransaction(c -> {
            add(c, increments);
            return null;
        });
    }

    /** Adds increments inside the caller's transaction. */
    public void add(Connection c, Collection<UsageIncrement> increments) throws SQLException {
        Map<RowKey, long[]> rows = coalesce(increments);
        if (rows.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement(upsert)) {
            for (Map.Entry<RowKey, long[]> e : rows.entrySet()) {
                RowKey k = e.getKey();
                long[] v = e.getValue();
                Jdbc.bind(ps, k.hour(), k.userId(), k.keyId(), k.projectId(), k.model());
                ps.setObject(6, LocalDate.ofInstant(k.hour(), ZoneOffset.UTC));
                for (int i = 0; i < 4; i++) {
                    ps.setLong(7 + i, v[i]);
                }
                ps.addBatch();
            }
            ps.executeBatch();
        }
    }

    /** Usage in the scope, bucketed and grouped as asked, ordered by bucket then by the grouped columns. */
    public List<UsageRow> query(UsageScope scope, UsageQuery q) {
        String bucketColumn = q.bucket() == BucketWidth.HOUR ? "bucket_hour" : "bucket_day";
        List<UsageDimension> groups = q.groupBy().stream().sorted().toList();
        var select = new StringBuilder("SELECT ").append(bucketColumn).append(" AS bucket");
        var groupBy = new StringBuilder(bucketColumn);
        for (UsageDimension d : groups) {
            select.append(", ").append(d.column);
            groupBy.append(", ").append(d.column);
        }
        select.append(", SUM(requests) AS requests, SUM(errors) AS errors, SUM(prompt_tokens) AS prompt_tokens, "
                + "SUM(completion_tokens) AS completion_tokens FROM usage_hourly WHERE bucket_hour >= ? "
                + "AND bucket_hour < ?");
        var params = new ArrayList<Object>(List.of(q.from().truncatedTo(ChronoUnit.HOURS), q.to()));
        appendScope(select, params, scope);
        if (q.model() != null) {
            select.append(" AND model = ?");
            params.add(q.model());
        }
        if (q.keyId() != null) {
            select.append(" AND key_id = ?");
            params.add(q.keyId());
        }
        String sql = select + " GROUP BY " + groupBy + " ORDER BY " + groupBy;
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                Jdbc.bind(ps, params.toArray());
                var rows = new ArrayList<UsageRow>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        Instant bucket = q.bucket() == BucketWidth.HOUR
                                ? Jdbc.getInstant(rs, "bucket")
                                : rs.getObject("bucket", LocalDate.class).atStartOfDay(ZoneOffset.UTC).toInstant();
                        rows.add(new UsageRow(bucket,
                                groups.contains(UsageDimension.USER) ? rs.getString("user_id") : null,
                                groups.contains(UsageDimension.KEY) ? absentToNull(rs.getString("key_id")) : null,
                                groups.contains(UsageDimension.PROJECT)
                                        ? absentToNull(rs.getString("project_id")) : null,
                                groups.contains(UsageDimension.MODEL) ? rs.getString("model") : null,
                                rs.getLong("requests"), rs.getLong("errors"), rs.getLong("prompt_tokens"),
                                rs.getLong("completion_tokens")));
                    }
                }
                return rows;
            }
        });
    }

    /**
     * Prompt plus completion tokens used in the scope from {@code from} (inclusive, whole hours) to {@code to}
     * (exclusive): what a quota period has consumed so far.
     */
    public long totalTokens(UsageScope scope, Instant from, Instant to) {
        var sql = new StringBuilder("SELECT COALESCE(SUM(prompt_tokens + completion_tokens), 0) FROM usage_hourly "
                + "WHERE bucket_hour >= ? AND bucket_hour < ?");
        var params = new ArrayList<Object>(List.of(from.truncatedTo(ChronoUnit.HOURS), to));
        appendScope(sql, params, scope);
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                Jdbc.bind(ps, params.toArray());
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        });
    }

    private static void appendScope(StringBuilder sql, List<Object> params, UsageScope scope) {
        switch (scope) {
            case UsageScope.OfUser u -> {
                sql.append(" AND user_id = ?");
                params.add(u.userId());
            }
            case UsageScope.OfProject p -> {
                sql.append(" AND project_id = ?");
                params.add(p.projectId());
            }
            case UsageScope.All a -> {
                // admin view: no restriction
            }
        }
    }

    private record RowKey(Instant hour, String userId, String keyId, String projectId, String model) {}

    private static final Comparator<RowKey> ROW_ORDER = Comparator.comparing(RowKey::hour)
            .thenComparing(RowKey::userId).thenComparing(RowKey::keyId).thenComparing(RowKey::projectId)
            .thenComparing(RowKey::model);

    private static Map<RowKey, long[]> coalesce(Collection<UsageIncrement> increments) {
        var rows = new TreeMap<RowKey, long[]>(ROW_ORDER);
        for (UsageIncrement i : increments) {
            var key = new RowKey(i.at().truncatedTo(ChronoUnit.HOURS), i.userId(), nullToAbsent(i.keyId()),
                    nullToAbsent(i.projectId()), i.model());
            long[] v = rows.computeIfAbsent(key, k -> new long[4]);
            v[0] += i.requests();
            v[1] += i.errors();
            v[2] += i.promptTokens();
            v[3] += i.completionTokens();
        }
        return rows;
    }

    private static String nullToAbsent(String value) {
        return value == null ? "" : value;
    }

    private static String absentToNull(String value) {
        return value == null || value.isEmpty() ? null : value;
    }
}
