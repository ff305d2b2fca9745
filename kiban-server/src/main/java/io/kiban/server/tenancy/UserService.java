package io.kiban.server.tenancy;

import io.kiban.server.Ids;
import io.kiban.store.StoreException;
import io.kiban.store.audit.AuditAction;
import io.kiban.store.keys.KeyCache;
import io.kiban.store.tenancy.Role;
import io.kiban.store.tenancy.User;
import io.kiban.store.tenancy.UserRepository;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Users: administrators create, list and change them; a user may read themselves and change their own name. Users
 * are never deleted, only deactivated, which stops their keys at once on this server and within the key cache's
 * poll interval on every other.
 */
public final class UserService {
    /** The path alias for the caller's own user. */
    public static final String ME = "me";

    private final UserRepository users;
    private final KeyCache keyCache;
    private final AuditLog audit;
    private final Clock clock;

    public UserService(UserRepository users, KeyCache keyCache, AuditLog audit, Clock clock) {
        this.users = users;
        this.keyCache = keyCache;
        this.audit = audit;
        this.clock = clock;
    }

    public User create(Caller caller, NewUser request) {
        if (!caller.admin()) {
            throw Problems.adminOnly("create users");
        }
        Instant now = clock.instant();
        Role role = request.role() == null ? Role.USER : request.role();
        User user = new User(Ids.next("usr_"), Validate.name("name", request.name(), 200), Validate.email(request.email()),
                role, true, now, now);
        try {
            users.insert(user);
        } catch (StoreException e) {
            throw e.isConflict() ? emailTaken(user.email()) : e;
        }
        audit.record(caller, AuditLog.USER_CREATED, "user", user.id(), Map.of("role", role.wire()));
        return user;
    }

    /** All users by id (administrators), or the one with {@code email}. */
    public Page<User> list(Caller caller, String email, String after, Integer limit) {
        if (!caller.admin()) {
            throw Problems.adminOnly("list users");
        }
        int n = Validate.limit(limit);
        if (email != null) {
            return new Page<>(users.findByEmail(Validate.email(email)).stream().toList(), false);
        }
        return Page.ofOneExtra(users.list(after, n + 1), n);
    }

    /** A user the caller may see: themselves, or anyone for an administrator. */
    public User get(Caller caller, String id) {
        String target = ME.equals(id) ? caller.userId() : id;
        if (!caller.admin() && !caller.is(target)) {
            throw notFound();
        }
        return users.findById(target).orElseThrow(UserService::notFound);
    }

    public User update(Caller caller, String id, UserChanges changes) {
        User current = get(caller, id);
        if (!caller.admin()) {
            List<String> refused = new ArrayList<>();
            if (changes.email() != null) {
                refused.add("email");
            }
            if (changes.role() != null) {
                refused.add("role");
            }
            if (changes.active() != null) {
                refused.add("active");
            }
            if (!refused.isEmpty()) {
                throw Problems.forbidden("Only administrators can change " + String.join(", ", refused)
                        + "; you may change your own name.", "admin_only");
            }
        }
        boolean demotes = changes.role() != null && changes.role() != Role.ADMIN;
        boolean deactivates = Boolean.FALSE.equals(changes.active());
        if (caller.is(current.id()) && current.role() == Role.ADMIN && (demotes || deactivates)) {
            throw Problems.conflict(demotes ? "role" : "active", "You cannot demote or deactivate yourself, so that an "
                    + "administrator always remains; ask another administrator.", "cannot_change_own_admin");
        }
        User next = new User(current.id(),
                changes.name() == null ? current.name() : Validate.name("name", changes.name(), 200),
                changes.email() == null ? current.email() : Validate.email(changes.email()),
                changes.role() == null ? current.role() : changes.role(),
                changes.active() == null ? current.active() : changes.active(),
                current.createdAt(), clock.instant());
        if (next.name().equals(current.name()) && next.email().equals(current.email()) && next.role() == current.role()
                && next.active() == current.active()) {
            return current; // nothing changed: no write, no audit event
        }
        try {
            if (!users.update(next)) {
                throw notFound();
            }
        } catch (StoreException e) {
            throw e.isConflict() ? emailTaken(next.email()) : e;
        }
        if (next.role() != current.role() || next.active() != current.active()) {
            keyCache.refresh(); // the user's keys got a new revision in the same transaction: effective here at once
        }
        auditChanges(caller, current, next);
        return next;
    }

    private void auditChanges(Caller caller, User before, User after) {
        if (before.role() != after.role()) {
            audit.record(caller, AuditAction.USER_ROLE_CHANGED, "user", after.id(),
                    Map.of("from", before.role().wire(), "to", after.role().wire()));
        }
        if (before.active() != after.active()) {
            audit.record(caller, after.active() ? AuditLog.USER_ACTIVATED : AuditAction.USER_DEACTIVATED, "user",
                    after.id(), Map.of());
        }
        if (!before.email().equals(after.email())) {
            Map<String, String> detail = new LinkedHashMap<>();
            detail.put("from", before.email());
            detail.put("to", after.email());
            audit.record(caller, AuditLog.USER_EMAIL_CHANGED, "user", after.id(), detail);
        }
    }

    static io.kiban.api.ApiException notFound() {
        return Problems.notFound("user", null);
    }

    private static io.kiban.api.ApiException emailTaken(String email) {
        return Problems.conflict("email", "A user with the email address " + email + " already exists.", "email_taken");
    }
}
