package io.kiban.server.auth;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.gateway.spi.Authenticator;
import io.kiban.gateway.spi.Principal;
import io.kiban.server.tenancy.Networks;
import io.kiban.store.keys.ApiKey;
import io.kiban.store.keys.KeyCache;
import io.kiban.store.keys.KeyLookup;
import io.kiban.store.keys.KeySecrets;
import io.kiban.store.keys.KeyState;
import io.kiban.store.keys.LastUseTracker;
import io.kiban.store.tenancy.Role;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Authenticates {@code Authorization: Bearer <key>} against the in-memory {@link KeyCache} (no database access per
 * request), plus the operator's {@code KIBAN_ADMIN_KEY} when one is set, which is held only as a SHA-256 hash.
 *
 * <p>Checks, in order: the header's shape; the key (unknown, revoked, rotated, malformed keys and keys of
 * deactivated users all get the same 401, so a caller learns nothing about which keys exist); expiry (401 that says
 * so); the client network against the key's allowed networks (403). Allowed models are the gateway's check
 * ({@link Principal#mayUse}). A successful use is recorded in the {@link LastUseTracker} (a map merge; the
 * database is written in the background).
 *
 * <p>Per key state a {@link Principal} and the parsed {@link Networks} are cached, so a request with a known key
 * allocates nothing here and parses no CIDR. Nothing here logs; failures go to the {@link FailureListener} with
 * the key id at most, never the presented secret.
 */
public final class KeyAuthenticator implements Authenticator {
    /** The key id of requests made with {@code KIBAN_ADMIN_KEY}, which is not a stored key. */
    public static final String ENV_ADMIN_KEY_ID = "key_env_admin";

    /** Receives every refused credential, for the audit log. Called on the request thread: must not block. */
    public interface FailureListener {
        /**
         * @param reason {@code missing_api_key}, {@code invalid_api_key}, {@code expired_api_key} or
         *     {@code network_not_allowed}
         * @param keyId the key's id when the key is real (expired, wrong network), else null
         * @param userId its owner, else null
         */
        void failed(String reason, String keyId, String userId, String clientIp);

        FailureListener NONE = (reason, keyId, userId, clientIp) -> { };
    }

    private final KeyCache keys;
    private final LastUseTracker lastUse;
    private final FailureListener failures;
    private final Clock clock;
    private final byte[] envAdminHash;
    private final Principal envAdmin;
    private final ConcurrentHashMap<String, Cached> principals = new ConcurrentHashMap<>();

    private record Cached(KeyState state, Principal principal, Networks networks) {}

    /**
     * @param envAdminKey the {@code KIBAN_ADMIN_KEY} value, or null
     * @param adminUserId the user the environment key acts as
     */
    public KeyAuthenticator(KeyCache keys, LastUseTracker lastUse, FailureListener failures, Clock clock,
            String envAdminKey, String adminUserId) {
        this.keys = keys;
        this.lastUse = lastUse;
        this.failures = failures;
        this.clock = clock;
        this.envAdminHash = envAdminKey == null ? null : KeySecrets.hash(envAdminKey).getBytes(StandardCharsets.US_ASCII);
        this.envAdmin = new Principal(adminUserId, ENV_ADMIN_KEY_ID, null, true, Set.of(), false);
    }

    @Override
    public Principal authenticate(String header, String clientIp) {
        if (header == null || header.isBlank()) {
            failures.failed("missing_api_key", null, null, clientIp);
            throw new ApiException(new ApiError.Unauthenticated("You didn't provide an API key. Send it in the header "
                    + "'Authorization: Bearer <key>' (the OpenAI SDKs do this when you set api_key).", "missing_api_key"));
        }
        if (header.length() < 8 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            failures.failed("invalid_api_key", null, null, clientIp);
            throw new ApiException(new ApiError.Unauthenticated("The Authorization header must be 'Bearer <key>'.",
                    "invalid_api_key"));
        }
        String secret = header.substring(7).trim();
        if (envAdminHash != null && MessageDigest.isEqual(envAdminHash,
                KeySecrets.hash(secret).getBytes(StandardCharsets.US_ASCII))) {
            return envAdmin;
        }
        return switch (keys.authenticate(secret)) {
            case KeyLookup.Valid v -> admit(v.state(), clientIp);
            case KeyLookup.Expired e -> {
                failures.failed("expired_api_key", e.key().id(), e.key().userId(), clientIp);
                throw new ApiException(new ApiError.Unauthenticated("The API key " + e.key().prefix() + "… expired at "
                        + e.key().settings().expiresAt() + ". Create a new key or ask for one.", "expired_api_key"));
            }
            case KeyLookup.Malformed m -> throw incorrect(secret, clientIp);
            case KeyLookup.Unknown u -> throw incorrect(secret, clientIp);
        };
    }

    private Principal admit(KeyState state, String clientIp) {
        Cached c = cached(state);
        if (!c.networks().allows(clientIp)) {
            failures.failed("network_not_allowed", state.key().id(), state.key().userId(), clientIp);
            // The message names neither the allowed networks nor the address seen: behind a proxy that is internal.
            throw new ApiException(new ApiError.PermissionDenied("This API key may not be used from your network. "
                    + "Its owner can allow your network in the key's allowed_cidrs.", "network_not_allowed"));
        }
        lastUse.touch(state.key().id(), clock.instant());
        return c.principal();
    }

    private ApiException incorrect(String secret, String clientIp) {
        failures.failed("invalid_api_key", null, null, clientIp);
        // Echoes only the start of what the caller sent them (OpenAI does the same); never logged or stored.
        String shown = secret.length() > 12 ? secret.substring(0, 12) + "…" : "(too short)";
        return new ApiException(new ApiError.Unauthenticated("Incorrect API key provided: " + shown
                + ". Check the key, or create a new one; revoked and rotated keys, and keys of deactivated users, "
                + "stop working at once.", "invalid_api_key"));
    }

    private Cached cached(KeyState state) {
        ApiKey key = state.key();
        Cached c = principals.get(key.id());
        if (c != null && c.state() == state) {
            return c;
        }
        Principal p = new Principal(key.userId(), key.id(), key.settings().projectId(), state.userRole() == Role.ADMIN,
                Set.copyOf(key.settings().allowedModels()), key.settings().metadataOnly(),
                key.settings().rpmLimit() == null ? 0 : key.settings().rpmLimit(),
                key.settings().tpmLimit() == null ? 0 : key.settings().tpmLimit());
        Cached fresh = new Cached(state, p, Networks.ofStored(key.settings().allowedCidrs()));
        principals.put(key.id(), fresh);
        return fresh;
    }
}
