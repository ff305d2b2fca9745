package io.kiban.server.tenancy;

import io.kiban.store.keys.ApiKey;

/**
 * A key together with its secret, which exists only in this object, in the one response that shows it.
 * {@link #toString()} never prints the secret.
 */
public record IssuedKey(ApiKey key, String secret) {
    @Override
    public String toString() {
        return "IssuedKey[" + key.id() + ", secret=" + key.prefix() + "…]";
    }
}
