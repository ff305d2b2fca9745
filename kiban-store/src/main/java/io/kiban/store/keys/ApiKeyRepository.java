package io.kiban.store.keys;

import io.kiban.store.Database;
import io.kiban.store.Jdbc;
import io.kiban.store.JsonColumns;
import io.kiban.store.tenancy.Role;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * API keys. Every method that reads or changes one user's keys takes that user's id and matches on it, so a key
 * that belongs to someone else behaves exactly like one that does not exist.
 *
 * <p>Keys are never deleted: revoking keeps the row (with a new revision) so that key caches on other servers
 * learn about it from {@link #changesSince}. Mutations return the new {@link KeyState} for
 * {@link KeyCache#apply}, which makes the change effective on this server at once.
 */
public final class ApiKeyRepository {
    private static final String SELECT = "SELECT k.id, k.user_id, k.project_id, k.name, k.prefix, k.secret_hash, "
            + "k.created_at, k.last_used_at, k.expires_at, k.revoked_at, k.allowed_models, k.allowed_cidrs, "
            + "k.rpm_limit, k.tpm_limit, k.metadata_only, k.revision, u.active AS user_active, u.role AS user_role "
            + "FROM api_keys k JOIN users u ON u.id = k.user_id ";

    private final Database db;

    public ApiKeyRepository(Database db) {
        this.db = db;
    }

    /** Stores a new key with the next revision; a conflict if the id or secret hash exists. */
    public KeyState insert(ApiKey key) {
        return db.inTransaction(c -> {
            long revision = KeyRevisions.next(c);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO api_keys (id, user_id, project_id, name, "
                    + "prefix, secret_hash, created_at, last_used_at, expires_at, revoked_at, allowed_models, "
                    + "allowed_cidrs, rpm_limit, tpm_limit, metadata_only, revision) "
                    + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
                KeySettings s = key.settings();
                Jdbc.bind(ps, key.id(), key.userId(), s.projectId(), s.name(), key.prefix(), key.secretHash(),
                        key.createdAt(), key.lastUsedAt(), s.expiresAt(), key.revokedAt(),
                        JsonColumns.fromList(s.allowedModels()), JsonColumns.fromList(s.allowedCidrs()));
                Jdbc.setNullableInt(ps, 13, s.rpmLimit());
                Jdbc.setNullableLong(ps, 14, s.tpmLimit());
                ps.setBoolean(15, s.metadataOnly());
                ps.setLong(16, revision);
                ps.executeUpdate();
            }
            return readOne(c, key.id()).orElseThrow();
        });
    }

    /** One of the user's keys, revoked ones included. */
    public Optional<ApiKey> find(String userId, String keyId) {
        return db.withConnection(c -> query(c, SELECT + "WHERE k.user_id = ? AND k.id = ?", userId, keyId))
                .stream().findFirst().map(KeyState::key);
    }

    /** The user's keys, newest first, revoked ones included. */
    public List<ApiKey> listByOwner(String userId) {
        return db.withConnection(c -> query(c, SELECT + "WHERE k.user_id = ? ORDER BY k.created_at DESC, k.id DESC",
                userId)).stream().map(KeyState::key).toList();
    }

    /** Any user's key by id: for admin views, which must audit the access. */
    public Optional<ApiKey> findById(String keyId) {
        return db.withConnection(c -> readOne(c, keyId)).map(KeyState::key);
    }

    /** Replaces the settings of one of the user's keys; empty if the user has no such key. */
    public Optional<KeyState> updateSettings(String userId, String keyId, KeySettings s) {
        return mutate(userId, keyId, "name = ?, project_id = ?, expires_at = ?, allowed_models = ?, "
                        + "allowed_cidrs = ?, rpm_limit = ?, tpm_limit = ?, metadata_only = ?",
                ps -> {
                    Jdbc.bind(ps, s.name(), s.projectId(), s.expiresAt(), JsonColumns.fromList(s.allowedModels()),
                            JsonColumns.fromList(s.allowedCidrs()));
                    Jdbc.setNullableInt(ps, 6, s.rpmLimit());
                    Jdbc.setNullableLong(ps, 7, s.tpmLimit());
                    ps.setBoolean(8, s.metadataOnly());
                    return 8;
                }, "");
    }

    /**
     * Revokes one of the user's keys at {@code at}. Revoking a revoked key changes nothing and returns it as it is.
     */
    public Optional<KeyState> revoke(String userId, String keyId, Instant at) {
        return mutate(userId, keyId, "revoked_at = ?", ps -> {
            Jdbc.setInstant(ps, 1, at);
            return 1;
        }, " AND revoked_at IS NULL").or(() -> db.withConnection(c -> query(c,
                SELECT + "WHERE k.user_id = ? AND k.id = ?", userId, keyId)).stream().findFirst());
    }

    /**
     * Gives one of the user's live keys a new secret, keeping id and settings; the old secret stops working.
     * Empty if the user has no such key or it is revoked.
     */
    public Optional<KeyState> rotate(String userId, String keyId, KeySecrets.NewSecret secret) {
        return mutate(userId, keyId, "prefix = ?, secret_hash = ?", ps -> {
            Jdbc.bind(ps, secret.prefix(), secret.hash());
            return 2;
        }, " AND revoked_at IS NULL");
    }

    /** Every enabled key (not revoked, owner active) and the revision the snapshot is complete up to. */
    public Snapshot snapshot() {
        return db.withConnection(c -> {
            // Read the counter first: every revision up to it is committed, so the key query below sees them.
            long revision = KeyRevisions.current(c);
            List<KeyState> keys = query(c, SELECT + "WHERE k.revoked_at IS NULL AND u.active = TRUE");
            return new Snapshot(keys, revision);
        });
    }

    /** Keys changed after {@code revision}, in revision order, including revoked ones and deactivated owners. */
    public List<KeyState> changesSince(long revision) {
        return db.withConnection(c -> query(c, SELECT + "WHERE k.revision > ? ORDER BY k.revision", revision));
    }

    /** Enabled keys at a revision; see {@link #snapshot()}. */
    public record Snapshot(List<KeyState> keys, long revision) {}

    /** Sets last_used_at where it moves forward; used by {@link LastUseTracker}. Returns rows changed. */
    int touchLastUsed(String keyId, Instant at) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE api_keys SET last_used_at = ? "
                    + "WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)")) {
                Jdbc.bind(ps, at, keyId, at);
                return ps.executeUpdate();
            }
        });
    }

    @FunctionalInterface
    private interface Binder {
        /** Binds the SET parameters from index 1 and returns how many it bound. */
        int bind(PreparedStatement ps) throws SQLException;
    }

    private Optional<KeyState> mutate(String userId, String keyId, String sets, Binder binder, String extraWhere) {
        return db.inTransaction(c -> {
            long revision = KeyRevisions.next(c);
            int rows;
            try (PreparedStatement ps = c.prepareStatement("UPDATE api_keys SET " + sets + ", revision = ? "
                    + "WHERE user_id = ? AND id = ?" + extraWhere)) {
                int bound = binder.bind(ps);
                ps.setLong(bound + 1, revision);
                ps.setString(bound + 2, userId);
                ps.setString(bound + 3, keyId);
                rows = ps.executeUpdate();
            }
            if (rows == 0) {
                c.rollback(); // gives the revision back; nothing changed
                return Optional.<KeyState>empty();
            }
            return readOne(c, keyId);
        });
    }

    private static Optional<KeyState> readOne(Connection c, String keyId) throws SQLException {
        return query(c, SELECT + "WHERE k.id = ?", keyId).stream().findFirst();
    }

    private static List<KeyState> query(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            Jdbc.bind(ps, params);
            var result = new ArrayList<KeyState>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    result.add(map(rs));
                }
            }
            return result;
        }
    }

    private static KeyState map(ResultSet rs) throws SQLException {
        var settings = new KeySettings(rs.getString("name"), rs.getString("project_id"),
                Jdbc.getInstant(rs, "expires_at"), JsonColumns.toList(rs.getString("allowed_models")),
                JsonColumns.toList(rs.getString("allowed_cidrs")), Jdbc.getNullableInt(rs, "rpm_limit"),
                Jdbc.getNullableLong(rs, "tpm_limit"), rs.getBoolean("metadata_only"));
        var key = new ApiKey(rs.getString("id"), rs.getString("user_id"), rs.getString("prefix"),
                rs.getString("secret_hash"), Jdbc.getInstant(rs, "created_at"), Jdbc.getInstant(rs, "last_used_at"),
                Jdbc.getInstant(rs, "revoked_at"), settings, rs.getLong("revision"));
        return new KeyState(key, rs.getBoolean("user_active"), Role.fromWire(rs.getString("user_role")));
    }
}
