package io.kiban.server.auth;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.gateway.spi.Authenticator;
import io.kiban.gateway.spi.Principal;
import io.kiban.store.keys.ApiKey;
import io.kiban.store.keys.KeyCache;
import io.kiban.store.keys.KeyLookup;
import io.kiban.store.keys.KeySecrets;
import io.kiban.store.keys.KeyState;
import io.kiban.store.tenancy.Role;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HashSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Authenticates {@code Authorization: Bearer <key>} against the in-memory {@link KeyCache} (no database access per
 * request), plus the operator's {@code KIBAN_ADMIN_KEY} when one is set, which is held only as a SHA-256 hash.
 *
 * <p>Unknown, revoked, rotated and malformed keys all get the same 401, so a caller learns nothing about which keys
 * exist. Principals are cached per key state, so a request allocates nothing here once its key was seen.
 */
public final class KeyAuthenticator implements Authenticator {
    private final KeyCache keys;
    private final byte[] envAdminHash;
    private final Principal envAdmin;
    private final ConcurrentHashMap<String, Cached> principals = new ConcurrentHashMap<>();

    private record Cached(KeyState state, Principal principal) {}

    /**
     * @param envAdminKey the {@code KIBAN_ADMIN_KEY} value, or null
     * @param adminUserId the user the environment key acts as
     */
    public KeyAuthenticator(KeyCache keys, String envAdminKey, String adminUserId) {
        this.keys = keys;
        this.envAdminHash = envAdminKey == null ? null : KeySecrets.hash(envAdminKey).getBytes(StandardCharsets.US_ASCII);
        this.envAdmin = new Principal(adminUserId, "key_env_admin", null, true, java.util.Set.of(), false);
    }

    @Override
    public Principal authenticate(String header, String clientIp) {
        if (header == null || header.isBlank()) {
            throw new ApiException(new ApiError.Unauthenticated("You didn't provide an API key. Send it in the header "
                    + "'Authorization: Bearer <key>' (the OpenAI SDKs do this when you set api_key).", "missing_api_key"));
        }
        if (header.length() < 8 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ApiException(new ApiError.Unauthenticated("The Authorization header must be 'Bearer <key>'.",
                    "invalid_api_key"));
        }
        String secret = header.substring(7).trim();
        if (envAdminHash != null && MessageDigest.isEqual(envAdminHash,
                KeySecrets.hash(secret).getBytes(StandardCharsets.US_ASCII))) {
            return envAdmin;
        }
        return switch (keys.authenticate(secret)) {
            case KeyLookup.Valid v -> principal(v.state());
            case KeyLookup.Expired e -> throw new ApiException(new ApiError.Unauthenticated("The API key " + e.key().prefix()
                    + "… expired at " + e.key().settings().expiresAt() + ". Create a new key or ask for one.", "expired_api_key"));
            case KeyLookup.Malformed m -> throw incorrect(secret);
            case KeyLookup.Unknown u -> throw incorrect(secret);
        };
    }

    private static ApiException incorrect(String secret) {
        String shown = secret.length() > 12 ? secret.substring(0, 12) + "…" : "(too short)";
        return new ApiException(new ApiError.Unauthenticated("Incorrect API key provided: " + shown
                + ". Check the key, or create a new one; revoked and rotated keys stop working at once.", "invalid_api_key"));
    }

    private Principal principal(KeyState state) {
        ApiKey key = state.key();
        Cached c = principals.get(key.id());
        if (c != null && c.state() == state) {
            return c.principal();
        }
        Principal p = new Principal(key.userId(), key.id(), key.settings().projectId(), state.userRole() == Role.ADMIN,
                java.util.Set.copyOf(new HashSet<>(key.settings().allowedModels())), key.settings().metadataOnly(),
                key.settings().rpmLimit() == null ? 0 : key.settings().rpmLimit(),
                key.settings().tpmLimit() == null ? 0 : key.settings().tpmLimit());
        principals.put(key.id(), new Cached(state, p));
        return p;
    }
}
