package io.kiban.gateway;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.gateway.spi.Authenticator;
import io.kiban.gateway.spi.Principal;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** An authenticator over a fixed map of bearer keys, refusing everything else with 401 as the real one does. */
final class FakeAuthenticator implements Authenticator {
    private final Map<String, Principal> keys = new ConcurrentHashMap<>();
    private final List<String> calls = new CopyOnWriteArrayList<>();

    FakeAuthenticator with(String key, Principal principal) {
        keys.put(key, principal);
        return this;
    }

    @Override
    public Principal authenticate(String authorizationHeader, String clientIp) {
        calls.add(authorizationHeader + " from " + clientIp);
        if (authorizationHeader == null || !authorizationHeader.startsWith("Bearer ")) {
            throw new ApiException(new ApiError.Unauthenticated("Send your API key as 'Authorization: Bearer <key>'.", "missing_api_key"));
        }
        Principal p = keys.get(authorizationHeader.substring(7));
        if (p == null) {
            throw new ApiException(new ApiError.Unauthenticated("Incorrect API key provided.", "invalid_api_key"));
        }
        return p;
    }

    List<String> calls() {
        return List.copyOf(calls);
    }
}
