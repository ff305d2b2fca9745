package io.kiban.server.tenancy;

import io.kiban.server.Ids;
import io.kiban.store.StoreException;
import io.kiban.store.tenancy.Project;
import io.kiban.store.tenancy.ProjectMember;
import io.kiban.store.tenancy.ProjectRepository;
import io.kiban.store.tenancy.ProjectRole;
import io.kiban.store.tenancy.User;
import io.kiban.store.tenancy.UserRepository;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Projects (a lab, a course) and their members. Administrators create projects; a project's managers and
 * administrators change it and its members; members see it. To anyone else a project does not exist (404).
 * Projects are not deleted: keys, quotas and usage refer to them.
 */
public final class ProjectService {
    private final ProjectRepository projects;
    private final UserRepository users;
    private final AuditLog audit;
    private final Clock clock;

    public ProjectService(ProjectRepository projects, UserRepository users, AuditLog audit, Clock clock) {
        this.projects = projects;
        this.users = users;
        this.audit = audit;
        this.clock = clock;
    }

    public Project create(Caller caller, NewProject request) {
        if (!caller.admin()) {
            throw Problems.adminOnly("create projects");
        }
        Project p = new Project(Ids.next("prj_"), Validate.name("name", request.name(), 200),
                Validate.text("description", request.description(), 2000), clock.instant());
        try {
            projects.insert(p);
        } catch (StoreException e) {
            throw e.isConflict() ? nameTaken(p.name()) : e;
        }
        audit.record(caller, AuditLog.PROJECT_CREATED, "project", p.id(), Map.of("name", p.name()));
        return p;
    }

    /** Every project for an administrator; the caller's own projects for anyone else. By name. */
    public Page<Project> list(Caller caller, String after, Integer limit) {
        List<Project> all = caller.admin() ? projects.list() : projects.projectsOf(caller.userId());
        return Page.slice(all, Project::id, after, Validate.limit(limit));
    }

    public Project get(Caller caller, String id) {
        Project p = projects.findById(id).orElseThrow(ProjectService::notFound);
        if (!caller.admin() && projects.member(id, caller.userId()).isEmpty()) {
            throw notFound();
        }
        return p;
    }

    public Project update(Caller caller, String id, ProjectChanges changes) {
        Project current = managed(caller, id);
        Project next = new Project(current.id(),
                changes.name() == null ? current.name() : Validate.name("name", changes.name(), 200),
                Validate.text("description", changes.description().orElse(current.description()), 2000),
                current.createdAt());
        try {
            projects.update(next);
        } catch (StoreException e) {
            throw e.isConflict() ? nameTaken(next.name()) : e;
        }
        return next;
    }

    public List<Member> members(Caller caller, String id) {
        get(caller, id);
        boolean showUsers = caller.admin() || isManager(id, caller.userId());
        List<Member> out = new ArrayList<>();
        for (ProjectMember m : projects.members(id)) {
            out.add(new Member(m, showUsers ? users.findById(m.userId()).orElse(null) : null));
        }
        return out;
    }

    /** Adds a member or changes their role. */
    public Member putMember(Caller caller, String id, NewMember request) {
        managed(caller, id);
        User user = resolve(request);
        ProjectRole role = request.role() == null ? ProjectRole.MEMBER : request.role();
        ProjectMember m = projects.member(id, user.id())
                .map(old -> new ProjectMember(id, user.id(), role, old.addedAt()))
                .orElseGet(() -> new ProjectMember(id, user.id(), role, clock.instant()));
        projects.putMember(m);
        audit.record(caller, AuditLog.PROJECT_MEMBER_PUT, "project", id, Map.of("user_id", user.id(), "role", role.wire()));
        return new Member(m, user);
    }

    public void removeMember(Caller caller, String id, String userId) {
        managed(caller, id);
        if (!projects.removeMember(id, userId)) {
            throw Problems.notFound("member of this project", "user_id");
        }
        audit.record(caller, AuditLog.PROJECT_MEMBER_REMOVED, "project", id, Map.of("user_id", userId));
    }

    /** Whether a user may bill keys to a project: they are a member of it. */
    public boolean isMember(String projectId, String userId) {
        return projects.member(projectId, userId).isPresent();
    }

    /** The project, if the caller manages it (or is an administrator); 403 for a plain member, 404 for others. */
    private Project managed(Caller caller, String id) {
        Project p = get(caller, id);
        if (!caller.admin() && !isManager(id, caller.userId())) {
            throw Problems.forbidden("Only the project's managers and administrators can change it or its members.",
                    "project_manager_only");
        }
        return p;
    }

    private boolean isManager(String projectId, String userId) {
        return projects.member(projectId, userId).map(m -> m.role() == ProjectRole.MANAGER).orElse(false);
    }

    private User resolve(NewMember request) {
        if ((request.userId() == null) == (request.email() == null)) {
            throw Problems.invalid("user_id", "Name the member with exactly one of 'user_id' or 'email'.");
        }
        Optional<User> user = request.userId() != null ? users.findById(request.userId())
                : users.findByEmail(Validate.email(request.email()));
        return user.orElseThrow(() -> Problems.notFound("user", request.userId() != null ? "user_id" : "email"));
    }

    static io.kiban.api.ApiException notFound() {
        return Problems.notFound("project", null);
    }

    private static io.kiban.api.ApiException nameTaken(String name) {
        return Problems.conflict("name", "A project named '" + name + "' already exists.", "name_taken");
    }
}
