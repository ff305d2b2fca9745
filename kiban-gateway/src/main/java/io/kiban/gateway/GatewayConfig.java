package io.kiban.gateway;

import java.time.Duration;

/**
 * Data-plane settings.
 *
 * @param maxBodyBytes largest request body accepted (413 beyond)
 * @param maxResponseBytes largest non-streamed response relayed (502 beyond)
 * @param holdTimeout how long a request may wait for a ready replica (while one starts or restarts)
 * @param maxAttempts replicas tried for one request when a replica fails before answering
 */
public record GatewayConfig(int maxBodyBytes, int maxResponseBytes, Duration holdTimeout, int maxAttempts) {
    public static GatewayConfig defaults() {
        return new GatewayConfig(16 * 1024 * 1024, 256 * 1024 * 1024, Duration.ofSeconds(60), 3);
    }
}
