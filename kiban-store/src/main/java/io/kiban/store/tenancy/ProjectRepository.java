package io.kiban.store.tenancy;

import io.kiban.store.Database;
import io.kiban.store.Jdbc;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Projects and their members. */
public final class ProjectRepository {
    private static final String COLUMNS = "p.id, p.name, p.description, p.created_at";

    private final Database db;

    public ProjectRepository(Database db) {
        this.db = db;
    }

    /** Inserts a project; a {@link io.kiban.store.StoreException#isConflict() conflict} if the id or name is taken. */
    public void insert(Project project) {
        db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO projects (id, name, description, created_at) VALUES (?, ?, ?, ?)")) {
                Jdbc.bind(ps, project.id(), project.name(), project.description(), project.createdAt());
                return ps.executeUpdate();
            }
        });
    }

    /** Replaces name and description; false if there is no such project. */
    public boolean update(Project project) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE projects SET name = ?, description = ? WHERE id = ?")) {
                Jdbc.bind(ps, project.name(), project.description(), project.id());
                return ps.executeUpdate() == 1;
            }
        });
    }

    public Optional<Project> findById(String id) {
        return query("SELECT " + COLUMNS + " FROM projects p WHERE p.id = ?", id).stream().findFirst();
    }

    public Optional<Project> findByName(String name) {
        return query("SELECT " + COLUMNS + " FROM projects p WHERE p.name = ?", name).stream().findFirst();
    }

    /** All projects by name (an admin view; a university has hundreds, not millions). */
    public List<Project> list() {
        return query("SELECT " + COLUMNS + " FROM projects p ORDER BY p.name");
    }

    /** The projects a user belongs to, by name. */
    public List<Project> projectsOf(String userId) {
        return query("SELECT " + COLUMNS + " FROM projects p JOIN project_members m ON m.project_id = p.id "
                + "WHERE m.user_id = ? ORDER BY p.name", userId);
    }

    /** Adds a member, or changes the role of an existing one. */
    public void putMember(ProjectMember member) {
        db.inTransaction(c -> {
            int updated;
            try (PreparedStatement ps = c.prepareStatement(
                    "UPDATE project_members SET role = ? WHERE project_id = ? AND user_id = ?")) {
                Jdbc.bind(ps, member.role().wire(), member.projectId(), member.userId());
                updated = ps.executeUpdate();
            }
            if (updated == 0) {
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO project_members (project_id, user_id, role, added_at) VALUES (?, ?, ?, ?)")) {
                    Jdbc.bind(ps, member.projectId(), member.userId(), member.role().wire(), member.addedAt());
                    ps.executeUpdate();
                }
            }
            return null;
        });
    }

    /** Removes a member; false if they were not one. */
    public boolean removeMember(String projectId, String userId) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "DELETE FROM project_members WHERE project_id = ? AND user_id = ?")) {
                Jdbc.bind(ps, projectId, userId);
                return ps.executeUpdate() == 1;
            }
        });
    }

    public Optional<ProjectMember> member(String projectId, String userId) {
        return members("SELECT project_id, user_id, role, added_at FROM project_members "
                + "WHERE project_id = ? AND user_id = ?", projectId, userId).stream().findFirst();
    }

    /** A project's members ordered by user id. */
    public List<ProjectMember> members(String projectId) {
        return members("SELECT project_id, user_id, role, added_at FROM project_members WHERE project_id = ? "
                + "ORDER BY user_id", projectId);
    }

    private List<ProjectMember> members(String sql, Object... params) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                Jdbc.bind(ps, params);
                var result = new ArrayList<ProjectMember>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        result.add(new ProjectMember(rs.getString("project_id"), rs.getString("user_id"),
                                ProjectRole.fromWire(rs.getString("role")), Jdbc.getInstant(rs, "added_at")));
                    }
                }
                return result;
            }
        });
    }

    private List<Project> query(String sql, Object... params) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                Jdbc.bind(ps, params);
                return readAll(ps);
            }
        });
    }

    private static List<Project> readAll(PreparedStatement ps) throws SQLException {
        var projects = new ArrayList<Project>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                projects.add(new Project(rs.getString("id"), rs.getString("name"), rs.getString("description"),
                        Jdbc.getInstant(rs, "created_at")));
            }
        }
        return projects;
    }
}
