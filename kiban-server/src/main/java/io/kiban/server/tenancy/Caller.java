package io.kiban.server.tenancy;

import io.kiban.store.keys.KeySettings;
import java.util.Objects;

/**
 * Who is calling the admin API, as established from their key.
 *
 * @param keyId the key the request came with (for the audit log)
 * @param keySettings that key's settings, which bound what it may create; null when unrestricted (the operator's
 *     {@code KIBAN_ADMIN_KEY}, or authentication switched off)
 * @param clientIp the TCP peer address, for the audit log
 */
public record Caller(String userId, String keyId, boolean admin, KeySettings keySettings, String clientIp) {
    public Caller {
        Objects.requireNonNull(userId, "userId");
    }

    public boolean is(String otherUserId) {
        return userId.equals(otherUserId);
    }
}
