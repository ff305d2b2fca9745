package io.kiban.store.keys;

import io.kiban.store.tenancy.Role;

/**
 * A key together with what the request path needs to know about its owner.
 *
 * @param userActive false once the owner is deactivated; the key then stops working
 */
public record KeyState(ApiKey key, boolean userActive, Role userRole) {

    /** Whether the key may authenticate requests, ignoring expiry (which depends on the time of the request). */
    public boolean isEnabled() {
        return userActive && !key.isRevoked();
    }
}
