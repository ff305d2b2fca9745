package io.kiban.server.tenancy;

import io.kiban.server.Ids;
import io.kiban.store.audit.AuditAction;
import io.kiban.store.keys.ApiKey;
import io.kiban.store.keys.ApiKeyRepository;
import io.kiban.store.keys.KeyCache;
import io.kiban.store.keys.KeySecrets;
import io.kiban.store.keys.KeySettings;
import io.kiban.store.keys.KeyState;
import io.kiban.store.tenancy.ProjectRepository;
import io.kiban.store.tenancy.User;
import io.kiban.store.tenancy.UserRepository;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * API keys: a user manages their own keys with their own key; administrators manage everyone's. Another user's key
 * answers exactly like a missing one (404). Every change is applied to this server's {@link KeyCache} before the
 * call returns, so it is effective here at once (other servers follow within their poll interval), and is audited.
 *
 * <p>A key can only be given rights its maker's key has ({@link KeyRights}); that also holds for rotating or
 * changing an existing key, so a narrow key cannot obtain a new secret for a broader one.
 */
public final class KeyService {
    /** Live keys one user may hold; bounds key minting (each key is held in every server's memory). */
    static final int MAX_LIVE_KEYS_PER_USER = 100;

    private final ApiKeyRepository keys;
    private final UserRepository users;
    private final ProjectRepository projects;
    private final KeyCache keyCache;
    private final KeySecrets secrets;
    private final AuditLog audit;
    private final Clock clock;

    public KeyService(ApiKeyRepository keys, UserRepository users, ProjectRepository projects, KeyCache keyCache,
            KeySecrets secrets, AuditLog audit, Clock clock) {
        this.keys = keys;
        this.users = users;
        this.projects = projects;
        this.keyCache = keyCache;
        this.secrets = secrets;
        this.audit = audit;
        this.clock = clock;
    }

    public IssuedKey create(Caller caller, NewKey request) {
        String ownerId = request.userId() == null ? caller.userId() : request.userId();
        if (!caller.admin() && !caller.is(ownerId)) {
            throw Problems.adminOnly("create keys for other users");
        }
        User owner = users.findById(ownerId).orElseThrow(() -> Problems.notFound("user", "user_id"));
        if (!owner.active()) {
            throw Problems.conflict("user_id", "The user is deactivated; activate them before creating keys.",
                    "user_inactive");
        }
        Instant now = clock.instant();
        KeySettings settings = KeyRights.forNewKey(request, Validate.name("name", request.name(), 200),
                caller.keySettings(), now);
        KeyRights.requireWithin(settings, caller.keySettings(), "create");
        checkProject(caller, settings.projectId(), ownerId);
        long live = keys.listByOwner(ownerId).stream().filter(k -> !k.isRevoked()).count();
        if (live >= MAX_LIVE_KEYS_PER_USER) {
            throw Problems.conflict(null, "The user already has " + live + " active keys, the most allowed; revoke "
                    + "keys that are no longer used.", "too_many_keys");
        }
        KeySecrets.NewSecret secret = secrets.generate();
        KeyState state = keys.insert(ApiKey.create(Ids.next("key_"), ownerId, secret, settings, now));
        keyCache.apply(state);
        Map<String, String> detail = new LinkedHashMap<>();
        detail.put("user_id", ownerId);
        detail.put("name", settings.name());
        detail.put("prefix", state.key().prefix());
        audit.record(caller, AuditAction.KEY_CREATED, "key", state.key().id(), detail);
        return new IssuedKey(state.key(), secret.secret());
    }

    /**
     * The caller's keys, or (administrators only) those of {@code userId}; newest first, revoked ones included.
     */
    public Page<ApiKey> list(Caller caller, String userId, String after, Integer limit) {
        String ownerId = userId == null ? caller.userId() : userId;
        if (!caller.admin() && !caller.is(ownerId)) {
            throw Problems.adminOnly("list other users' keys");
        }
        return Page.slice(keys.listByOwner(ownerId), ApiKey::id, after, Validate.limit(limit));
    }

    public ApiKey get(Caller caller, String id) {
        return visible(caller, id);
    }

    public ApiKey update(Caller caller, String id, KeyChanges c) {
        ApiKey current = live(caller, id);
        KeyRights.requireWithin(current.settings(), caller.keySettings(), "change");
        KeySettings s = current.settings();
        Instant now = clock.instant();
        KeySettings next = new KeySettings(
                c.name() == null ? s.name() : Validate.name("name", c.name(), 200),
                c.projectId().orElse(s.projectId()),
                c.expiresAt().present() ? KeyRights.future(c.expiresAt().value(), now) : s.expiresAt(),
                c.allowedModels().present() ? orEmpty(KeyRights.models(c.allowedModels().value())) : s.allowedModels(),
                c.allowedCidrs().present() ? orEmpty(KeyRights.networks(c.allowedCidrs().value())) : s.allowedCidrs(),
                c.rpmLimit().present() ? KeyRights.positive("rpm_limit", c.rpmLimit().value()) : s.rpmLimit(),
                c.tpmLimit().present() ? KeyRights.positive("tpm_limit", c.tpmLimit().value()) : s.tpmLimit(),
                c.metadataOnly() == null ? s.metadataOnly() : c.metadataOnly());
        KeyRights.requireWithin(next, caller.keySettings(), "change");
        if (!Objects.equals(next.projectId(), s.projectId())) {
            checkProject(caller, next.projectId(), current.userId());
        }
        if (next.equals(s)) {
            return current;
        }
        KeyState state = keys.updateSettings(current.userId(), id, next).orElseThrow(KeyService::notFound);
        keyCache.apply(state);
        audit.record(caller, AuditAction.KEY_UPDATED, "key", id, Map.of("fields", String.join(",", changed(s, next))));
        return state.key();
    }

    /** Gives a live key a new secret, keeping its id and settings; the old secret stops working at once. */
    public IssuedKey rotate(Caller caller, String id) {
        ApiKey current = live(caller, id);
        KeyRights.requireWithin(current.settings(), caller.keySettings(), "rotate");
        KeySecrets.NewSecret secret = secrets.generate();
        KeyState state = keys.rotate(current.userId(), id, secret).orElseThrow(KeyService::revoked);
        keyCache.apply(state);
        audit.record(caller, AuditAction.KEY_ROTATED, "key", id,
                Map.of("user_id", current.userId(), "old_prefix", current.prefix(), "new_prefix", state.key().prefix()));
        return new IssuedKey(state.key(), secret.secret());
    }

    /** Revokes a key at once; revoking a revoked key changes nothing. Any holder of a visible key may revoke it. */
    public ApiKey revoke(Caller caller, String id) {
        ApiKey current = visible(caller, id);
        if (current.isRevoked()) {
            return current;
        }
        KeyState state = keys.revoke(current.userId(), id, clock.instant()).orElseThrow(KeyService::notFound);
        keyCache.apply(state);
        audit.record(caller, AuditAction.KEY_REVOKED, "key", id,
                Map.of("user_id", current.userId(), "prefix", current.prefix()));
        return state.key();
    }

    /** The service's clock reading, for showing whether a key has expired. */
    public Instant now() {
        return clock.instant();
    }

    /** A key the caller may see: their own, or any for an administrator; 404 otherwise. */
    private ApiKey visible(Caller caller, String id) {
        return (caller.admin() ? keys.findById(id) : keys.find(caller.userId(), id))
                .orElseThrow(KeyService::notFound);
    }

    private ApiKey live(Caller caller, String id) {
        ApiKey key = visible(caller, id);
        if (key.isRevoked()) {
            throw revoked();
        }
        return key;
    }

    /** A key may bill to a project only if its owner is a member; a caller who cannot see the project gets 404. */
    private void checkProject(Caller caller, String projectId, String ownerId) {
        if (projectId == null) {
            return;
        }
        if (projects.member(projectId, ownerId).isPresent()) {
            return;
        }
        if (!caller.admin() || projects.findById(projectId).isEmpty()) {
            throw Problems.notFound("project", "project_id");
        }
        throw Problems.invalid("project_id", "The key's owner is not a member of this project; add them to it first.");
    }

    private static List<String> orEmpty(List<String> list) {
        return list == null ? List.of() : list;
    }

    private static List<String> changed(KeySettings a, KeySettings b) {
        List<String> out = new ArrayList<>();
        if (!a.name().equals(b.name())) {
            out.add("name");
        }
        if (!Objects.equals(a.projectId(), b.projectId())) {
            out.add("project_id");
        }
        if (!Objects.equals(a.expiresAt(), b.expiresAt())) {
            out.add("expires_at");
        }
        if (!a.allowedModels().equals(b.allowedModels())) {
            out.add("allowed_models");
        }
        if (!a.allowedCidrs().equals(b.allowedCidrs())) {
            out.add("allowed_cidrs");
        }
        if (!Objects.equals(a.rpmLimit(), b.rpmLimit())) {
            out.add("rpm_limit");
        }
        if (!Objects.equals(a.tpmLimit(), b.tpmLimit())) {
            out.add("tpm_limit");
        }
        if (a.metadataOnly() != b.metadataOnly()) {
            out.add("metadata_only");
        }
        return out;
    }

    static io.kiban.api.ApiException notFound() {
        return Problems.notFound("API key", null);
    }

    private static io.kiban.api.ApiException revoked() {
        return Problems.conflict(null, "The key is revoked; a revoked key cannot be changed or rotated. Create a new key.",
                "key_revoked");
    }
}
