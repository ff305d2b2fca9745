package io.kiban.server.web;

import io.kiban.server.tenancy.NewMember;
import io.kiban.server.tenancy.NewProject;
import io.kiban.server.tenancy.Page;
import io.kiban.server.tenancy.ProjectChanges;
import io.kiban.server.tenancy.ProjectService;
import io.kiban.server.web.TenancyViews.ListView;
import io.kiban.server.web.TenancyViews.MemberView;
import io.kiban.server.web.TenancyViews.ProjectView;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/projects}: administrators create projects; managers change them and their members. */
@RestController
public class ProjectsController {
    private final Callers callers;
    private final ProjectService projects;

    public ProjectsController(Callers callers, ProjectService projects) {
        this.callers = callers;
        this.projects = projects;
    }

    @PostMapping("/api/v1/projects")
    public ProjectView create(HttpServletRequest req) {
        var caller = callers.of(req);
        JsonBody b = JsonBody.read(req, "name", "description");
        return ProjectView.of(projects.create(caller, new NewProject(b.string("name"), b.string("description"))));
    }

    @GetMapping("/api/v1/projects")
    public ListView<ProjectView> list(HttpServletRequest req, @RequestParam(name = "after", required = false) String after,
            @RequestParam(name = "limit", required = false) Integer limit) {
        return TenancyViews.list(projects.list(callers.of(req), after, limit), ProjectView::of, ProjectView::id);
    }

    @GetMapping("/api/v1/projects/{id}")
    public ProjectView get(HttpServletRequest req, @PathVariable("id") String id) {
        return ProjectView.of(projects.get(callers.of(req), id));
    }

    @PatchMapping("/api/v1/projects/{id}")
    public ProjectView update(HttpServletRequest req, @PathVariable("id") String id) {
        var caller = callers.of(req);
        JsonBody b = JsonBody.read(req, "name", "description");
        return ProjectView.of(projects.update(caller, id,
                new ProjectChanges(b.nonNullString("name"), b.change("description", b::string))));
    }

    @GetMapping("/api/v1/projects/{id}/members")
    public ListView<MemberView> members(HttpServletRequest req, @PathVariable("id") String id) {
        return TenancyViews.list(new Page<>(projects.members(callers.of(req), id), false), MemberView::of,
                MemberView::userId);
    }

    /** Adds a member, or changes the role of one. */
    @PostMapping("/api/v1/projects/{id}/members")
    public MemberView putMember(HttpServletRequest req, @PathVariable("id") String id) {
        var caller = callers.of(req);
        JsonBody b = JsonBody.read(req, "user_id", "email", "role");
        return MemberView.of(projects.putMember(caller, id,
                new NewMember(b.string("user_id"), b.string("email"), Wire.projectRole(b.string("role")))));
    }

    @DeleteMapping("/api/v1/projects/{id}/members/{userId}")
    public Map<String, Object> removeMember(HttpServletRequest req, @PathVariable("id") String id,
            @PathVariable("userId") String userId) {
        projects.removeMember(callers.of(req), id, userId);
        return Map.of("object", "project.member.deleted", "project_id", id, "user_id", userId, "deleted", true);
    }
}
