package io.kiban.server.web;

import io.kiban.server.tenancy.KeyChanges;
import io.kiban.server.tenancy.KeyService;
import io.kiban.server.tenancy.NewKey;
import io.kiban.server.web.TenancyViews.KeyView;
import io.kiban.server.web.TenancyViews.ListView;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /api/v1/keys}: users manage their own keys with their own key; administrators manage everyone's. Create
 * and rotate return the secret, once; {@code DELETE} revokes.
 */
@RestController
public class KeysController {
    private static final String[] SETTINGS = {"name", "project_id", "expires_at", "allowed_models", "allowed_cidrs",
        "rpm_limit", "tpm_limit", "metadata_only"};

    private final Callers callers;
    private final KeyService keys;

    public KeysController(Callers callers, KeyService keys) {
        this.callers = callers;
        this.keys = keys;
    }

    @PostMapping("/api/v1/keys")
    public KeyView create(HttpServletRequest req) {
        var caller = callers.of(req);
        String[] allowed = java.util.Arrays.copyOf(SETTINGS, SETTINGS.length + 1);
        allowed[SETTINGS.length] = "user_id";
        JsonBody b = JsonBody.read(req, allowed);
        var request = new NewKey(b.string("user_id"), b.string("name"), b.string("project_id"), b.epochSeconds("expires_at"),
                b.strings("allowed_models"), b.strings("allowed_cidrs"), b.int32("rpm_limit"), b.integer("tpm_limit"),
                b.bool("metadata_only"));
        return KeyView.of(keys.create(caller, request), keys.now());
    }

    @GetMapping("/api/v1/keys")
    public ListView<KeyView> list(HttpServletRequest req, @RequestParam(name = "user_id", required = false) String userId,
            @RequestParam(name = "after", required = false) String after,
            @RequestParam(name = "limit", required = false) Integer limit) {
        var now = keys.now();
        return TenancyViews.list(keys.list(callers.of(req), userId, after, limit), k -> KeyView.of(k, now), KeyView::id);
    }

    @GetMapping("/api/v1/keys/{id}")
    public KeyView get(HttpServletRequest req, @PathVariable("id") String id) {
        return KeyView.of(keys.get(callers.of(req), id), keys.now());
    }

    @PatchMapping("/api/v1/keys/{id}")
    public KeyView update(HttpServletRequest req, @PathVariable("id") String id) {
        var caller = callers.of(req);
        JsonBody b = JsonBody.read(req, SETTINGS);
        var changes = new KeyChanges(b.nonNullString("name"), b.change("project_id", b::string),
                b.change("expires_at", b::epochSeconds), b.change("allowed_models", b::strings),
                b.change("allowed_cidrs", b::strings), b.change("rpm_limit", b::int32),
                b.change("tpm_limit", b::integer), b.bool("metadata_only"));
        return KeyView.of(keys.update(caller, id, changes), keys.now());
    }

    @PostMapping("/api/v1/keys/{id}/rotate")
    public KeyView rotate(HttpServletRequest req, @PathVariable("id") String id) {
        var caller = callers.of(req);
        JsonBody.read(req); // no fields: refuses any, so nobody thinks settings change here
        return KeyView.of(keys.rotate(caller, id), keys.now());
    }

    /** Revokes the key (it stays listed, with status {@code revoked}). */
    @DeleteMapping("/api/v1/keys/{id}")
    public KeyView revoke(HttpServletRequest req, @PathVariable("id") String id) {
        return KeyView.of(keys.revoke(callers.of(req), id), keys.now());
    }
}
