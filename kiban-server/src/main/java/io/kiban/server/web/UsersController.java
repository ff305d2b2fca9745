package io.kiban.server.web;

import io.kiban.server.tenancy.NewUser;
import io.kiban.server.tenancy.UserChanges;
import io.kiban.server.tenancy.UserService;
import io.kiban.server.web.TenancyViews.ListView;
import io.kiban.server.web.TenancyViews.UserView;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/users}: administrators manage users; a user reads themselves ({@code me}) and changes their name. */
@RestController
public class UsersController {
    private final Callers callers;
    private final UserService users;

    public UsersController(Callers callers, UserService users) {
        this.callers = callers;
        this.users = users;
    }

    @PostMapping("/api/v1/users")
    public UserView create(HttpServletRequest req) {
        var caller = callers.of(req);
        JsonBody b = JsonBody.read(req, "name", "email", "role");
        return UserView.of(users.create(caller, new NewUser(b.string("name"), b.string("email"), Wire.role(b.string("role")))));
    }

    @GetMapping("/api/v1/users")
    public ListView<UserView> list(HttpServletRequest req, @RequestParam(name = "email", required = false) String email,
            @RequestParam(name = "after", required = false) String after,
            @RequestParam(name = "limit", required = false) Integer limit) {
        return TenancyViews.list(users.list(callers.of(req), email, after, limit), UserView::of, UserView::id);
    }

    @GetMapping("/api/v1/users/{id}")
    public UserView get(HttpServletRequest req, @PathVariable("id") String id) {
        return UserView.of(users.get(callers.of(req), id));
    }

    @PatchMapping("/api/v1/users/{id}")
    public UserView update(HttpServletRequest req, @PathVariable("id") String id) {
        var caller = callers.of(req);
        JsonBody b = JsonBody.read(req, "name", "email", "role", "active");
        var changes = new UserChanges(b.nonNullString("name"), b.nonNullString("email"),
                Wire.role(b.nonNullString("role")), b.bool("active"));
        return UserView.of(users.update(caller, id, changes));
    }
}
