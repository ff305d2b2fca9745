package io.kiban.gateway.spi;

/**
 * Resolves the credential of a request to a {@link Principal}, from memory (never a database call per request).
 * Throws {@code ApiException} with a 401 or 403 when the credential is missing, unknown, revoked, expired or not
 * allowed from this client address.
 */
public interface Authenticator {
    Principal authenticate(String authorizationHeader, String clientIp);
}
