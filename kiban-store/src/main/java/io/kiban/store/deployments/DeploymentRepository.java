package io.kiban.store.deployments;

import io.kiban.store.Database;
import io.kiban.store.Jdbc;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Deployments, stored as given; the spec document is opaque to the store. */
public final class DeploymentRepository {
    private static final String COLUMNS = "name, runtime, origin, spec, revision, created_at, updated_at";

    private final Database db;

    public DeploymentRepository(Database db) {
        this.db = db;
    }

    /**
     * Inserts a deployment with revision 1; a {@link io.kiban.store.StoreException#isConflict() conflict} when the
     * name is taken.
     */
    public DeploymentRecord insert(String name, String runtime, String origin, String spec, Instant now) {
        DeploymentRecord r = new DeploymentRecord(name, runtime, origin, spec, 1, Jdbc.micros(now), Jdbc.micros(now));
        db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO deployments (" + COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?)")) {
                Jdbc.bind(ps, r.name(), r.runtime(), r.origin(), r.spec(), r.revision(), r.createdAt(), r.updatedAt());
                return ps.executeUpdate();
            }
        });
        return r;
    }

    /**
     * Replaces the runtime, origin and spec of an existing deployment and increments its revision.
     *
     * @return the stored record, or empty when there is no such deployment
     */
    public Optional<DeploymentRecord> update(String name, String runtime, String origin, String spec, Instant now) {
        return db.inTransaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE deployments SET runtime = ?, origin = ?, spec = ?, "
                    + "revision = revision + 1, updated_at = ? WHERE name = ?")) {
                Jdbc.bind(ps, runtime, origin, spec, Jdbc.micros(now), name);
                if (ps.executeUpdate() == 0) {
                    return Optional.empty();
                }
            }
            return find(c, name);
        });
    }

    /** Inserts the deployment, or replaces it when the name exists (the command line's deployments at start-up). */
    public DeploymentRecord upsert(String name, String runtime, String origin, String spec, Instant now) {
        return update(name, runtime, origin, spec, now).orElseGet(() -> insert(name, runtime, origin, spec, now));
    }

    public Optional<DeploymentRecord> find(String name) {
        return db.withConnection(c -> find(c, name));
    }

    /** Every deployment, by name. */
    public List<DeploymentRecord> list() {
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM deployments ORDER BY name")) {
                return readAll(ps);
            }
        });
    }

    /** Deletes a deployment; false when there was none. */
    public boolean delete(String name) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM deployments WHERE name = ?")) {
                ps.setString(1, name);
                return ps.executeUpdate() == 1;
            }
        });
    }

    private static Optional<DeploymentRecord> find(java.sql.Connection c, String name) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT " + COLUMNS + " FROM deployments WHERE name = ?")) {
            ps.setString(1, name);
            return readAll(ps).stream().findFirst();
        }
    }

    private static List<DeploymentRecord> readAll(PreparedStatement ps) throws SQLException {
        var out = new ArrayList<DeploymentRecord>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new DeploymentRecord(rs.getString("name"), rs.getString("runtime"), rs.getString("origin"),
                        rs.getString("spec"), rs.getLong("revision"), Jdbc.getInstant(rs, "created_at"),
                        Jdbc.getInstant(rs, "updated_at")));
            }
        }
        return out;
    }
}
