package io.kiban.store.tenancy;

import io.kiban.store.Database;
import io.kiban.store.Jdbc;
import io.kiban.store.keys.KeyRevisions;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Users, stored as given. A user is never deleted, only deactivated, so their history and usage keep an owner. */
public final class UserRepository {
    private static final String COLUMNS = "id, name, email, role, active, created_at, updated_at";

    private final Database db;

    public UserRepository(Database db) {
        this.db = db;
    }

    /** Inserts a user; a {@link io.kiban.store.StoreException#isConflict() conflict} if the id or email is taken. */
    public void insert(User user) {
        db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO users (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                Jdbc.bind(ps, user.id(), user.name(), user.email(), user.role().wire(), user.active(),
                        user.createdAt(), user.updatedAt());
                return ps.executeUpdate();
            }
        });
    }

    public Optional<User> findById(String id) {
        return findOne("SELECT " + COLUMNS + " FROM users WHERE id = ?", id);
    }

    public Optional<User> findByEmail(String email) {
        return findOne("SELECT " + COLUMNS + " FROM users WHERE email = ?", email);
    }

    /** Users ordered by id, {@code limit} at a time, starting after {@code afterId} (null for the first page). */
    public List<User> list(String afterId, int limit) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM users WHERE id > ? "
                    + "ORDER BY id LIMIT ?")) {
                Jdbc.bind(ps, afterId == null ? "" : afterId, limit);
                return readAll(ps);
            }
        });
    }

    /**
     * Replaces name, email, role, active flag and updated_at. In the same transaction the user's keys get a new
     * revision, so every server's key cache learns about a deactivation or role change within its poll interval.
     *
     * @return false if there is no such user
     */
    public boolean update(User user) {
        return db.inTransaction(c -> {
            int rows;
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE users SET name = ?, email = ?, role = ?, active = ?, updated_at = ? WHERE id = ?")) {
                Jdbc.bind(ps, user.name(), user.email(), user.role().wire(), user.active(), user.updatedAt(),
                        user.id());
                rows = ps.executeUpdate();
            }
            if (rows == 1) {
                KeyRevisions.touchKeysOfUser(c, user.id());
            }
            return rows == 1;
        });
    }

    private Optional<User> findOne(String sql, String param) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setString(1, param);
                return readAll(ps).stream().findFirst();
            }
        });
    }

    private static List<User> readAll(PreparedStatement ps) throws SQLException {
        var users = new ArrayList<User>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                users.add(new User(rs.getString("id"), rs.getString("name"), rs.getString("email"),
                        Role.fromWire(rs.getString("role")), rs.getBoolean("active"),
                        Jdbc.getInstant(rs, "created_at"), Jdbc.getInstant(rs, "updated_at")));
            }
        }
        return users;
    }
}
