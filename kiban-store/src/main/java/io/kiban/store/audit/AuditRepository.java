package io.kiban.store.audit;

import io.kiban.store.Database;
import io.kiban.store.Jdbc;
import io.kiban.store.JsonColumns;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The audit log: append-only apart from the retention purge. Reading it is an admin action; the caller checks
 * the role. Events normally arrive through the {@code Recorder}; {@link #insert} writes one synchronously.
 */
public final class AuditRepository {
    private static final String COLUMNS =
            "id, occurred_at, actor_id, action, target_type, target_id, client_ip, detail";

    private final Database db;

    public AuditRepository(Database db) {
        this.db = db;
    }

    /** Writes one event now; false if an event with this id exists. */
    public boolean insert(AuditEvent event) {
        return db.inTransaction(c -> insertBatch(c, List.of(event)) == 1);
    }

    /** Writes events in the caller's transaction, skipping ids that exist; returns how many were new. */
    public int insertBatch(Connection c, List<AuditEvent> events) throws SQLException {
        if (events.isEmpty()) {
            return 0;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO audit_events (" + COLUMNS + ") "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
            for (AuditEvent e : events) {
                Jdbc.bind(ps, e.id(), e.occurredAt(), e.actorId(), e.action(), e.targetType(), e.targetId(),
                        e.clientIp(), JsonColumns.fromMap(e.detail()));
                ps.addBatch();
            }
            int inserted = 0;
            for (int count : ps.executeBatch()) {
                inserted += count == 0 ? 0 : 1;
            }
            return inserted;
        }
    }

    /**
     * Events matching the query, newest first, {@code limit} at a time.
     *
     * @param before the id of the last event of the previous page, or null; an unknown id gives an empty page
     */
    public List<AuditEvent> query(AuditQuery q, String before, int limit) {
        var sql = new StringBuilder("SELECT " + COLUMNS + " FROM audit_events WHERE 1 = 1");
        var params = new ArrayList<Object>();
        condition(sql, params, "actor_id = ?", q.actorId());
        condition(sql, params, "action = ?", q.action());
        condition(sql, params, "target_type = ?", q.targetType());
        condition(sql, params, "target_id = ?", q.targetId());
        condition(sql, params, "occurred_at >= ?", q.from());
        condition(sql, params, "occurred_at < ?", q.to());
        return db.withConnection(c -> {
            if (before != null) {
                Instant cursor = occurredAt(c, before);
                if (cursor == null) {
                    return List.<AuditEvent>of();
                }
                sql.append(" AND (occurred_at, id) < (?, ?)");
                params.add(cursor);
                params.add(before);
            }
            sql.append(" ORDER BY occurred_at DESC, id DESC LIMIT ?");
            params.add(limit);
            try (PreparedStatement ps = c.prepareStatement(sql.toString())) {
                Jdbc.bind(ps, params.toArray());
                var events = new ArrayList<AuditEvent>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        events.add(new AuditEvent(rs.getString("id"), Jdbc.getInstant(rs, "occurred_at"),
                                rs.getString("actor_id"), rs.getString("action"), rs.getString("target_type"),
                                rs.getString("target_id"), rs.getString("client_ip"),
                                JsonColumns.toMap(rs.getString("detail"))));
                    }
                }
                return events;
            }
        });
    }

    /** Deletes events that occurred before the cutoff; returns how many. */
    public int purgeOlderThan(Instant cutoff) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM audit_events WHERE occurred_at < ?")) {
                Jdbc.bind(ps, cutoff);
                return ps.executeUpdate();
            }
        });
    }

    private static Instant occurredAt(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT occurred_at FROM audit_events WHERE id = ?")) {
            ps.setString(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Jdbc.getInstant(rs, "occurred_at") : null;
            }
        }
    }

    private static void condition(StringBuilder sql, List<Object> params, String condition, Object value) {
        if (value != null) {
            sql.append(" AND ").append(condition);
            params.add(value);
        }
    }
}
