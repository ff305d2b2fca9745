package io.kiban.server.web;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.gateway.spi.Authenticator;
import io.kiban.gateway.spi.Principal;
import io.kiban.server.auth.KeyAuthenticator;
import io.kiban.server.tenancy.Caller;
import io.kiban.store.keys.ApiKey;
import io.kiban.store.keys.KeyCache;
import io.kiban.store.keys.KeySettings;
import io.kiban.store.keys.KeyState;
import jakarta.servlet.http.HttpServletRequest;

/**
 * Establishes the {@link Caller} of an admin-API request with the same {@link Authenticator} as the gateway, plus
 * the settings of the key it came with (from the key cache, no database), which bound the keys it may create.
 */
public final class Callers {
    private final Authenticator auth;
    private final KeyCache keyCache;

    public Callers(Authenticator auth, KeyCache keyCache) {
        this.auth = auth;
        this.keyCache = keyCache;
    }

    public Caller of(HttpServletRequest req) {
        Principal p = Requests.principal(auth, req);
        KeySettings settings = null; // unrestricted: the operator's environment key, or --auth none
        if (p.keyId() != null && !p.keyId().equals(KeyAuthenticator.ENV_ADMIN_KEY_ID)) {
            // The key just authenticated, so the cache holds it; if it vanished meanwhile, fail closed.
            settings = keyCache.stateOf(p.keyId()).map(KeyState::key).map(ApiKey::settings)
                    .orElseThrow(() -> new ApiException(new ApiError.Unauthenticated(
                            "The API key stopped working during the request; retry with a valid key.", "invalid_api_key")));
        }
        return new Caller(p.userId(), p.keyId(), p.admin(), settings, req.getRemoteAddr());
    }
}
