package io.kiban.gateway;

import java.time.Duration;

/**
 * Data-plane settings.
 *
 * @param maxBodyBytes largest request body accepted (413 beyond)
 * @param maxResponseBytes largest non-streamed response relayed (502 beyond)
 * @param holdTimeout how long a request may wait for a ready replica (while one starts or restarts); also how long
 *     a broken stream may wait for a replica to continue on
 * @param maxAttempts replicas tried for one request when a replica fails before answering
 * @param firstTokenTimeout longest wait for a stream's first generated text after the request was sent (prefill and
 *     the runtime's own queue); distinct from the connect timeout of the upstream client
 * @param idleTimeout longest gap between two reads of a stream once text has arrived
 * @param heartbeat how often a held stream gets an SSE comment while it waits for a replica, so proxies keep it open
 * @param maxContinuations how many times one stream may be continued on another replica after breaking (0: never)
 * @param crashRetries how many times a request is sent again after a replica failed while working on it (closed
 *     the connection, crashed); a request that breaks more replicas than that is not sent to any other one, in case
 *     the request itself is what kills them
 */
public record GatewayConfig(int maxBodyBytes, int maxResponseBytes, Duration holdTimeout, int maxAttempts,
        Duration firstTokenTimeout, Duration idleTimeout, Duration heartbeat, int maxContinuations, int crashRetries) {

    public static final Duration DEFAULT_FIRST_TOKEN_TIMEOUT = Duration.ofMinutes(10);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(2);
    public static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(5);

    public GatewayConfig {
        if (heartbeat.isNegative() || heartbeat.isZero()) {
            throw new IllegalArgumentException("heartbeat must be positive");
        }
    }

    public GatewayConfig(int maxBodyBytes, int maxResponseBytes, Duration holdTimeout, int maxAttempts) {
        this(maxBodyBytes, maxResponseBytes, holdTimeout, maxAttempts, DEFAULT_FIRST_TOKEN_TIMEOUT, DEFAULT_IDLE_TIMEOUT,
                DEFAULT_HEARTBEAT, 2, 1);
    }

    public static GatewayConfig defaults() {
        return new GatewayConfig(16 * 1024 * 1024, 256 * 1024 * 1024, Duration.ofSeconds(60), 3);
    }

    public GatewayConfig withStreamTimeouts(Duration firstToken, Duration idle) {
        return new GatewayConfig(maxBodyBytes, maxResponseBytes, holdTimeout, maxAttempts, firstToken, idle, heartbeat,
                maxContinuations, crashRetries);
    }

    public GatewayConfig withHeartbeat(Duration every) {
        return new GatewayConfig(maxBodyBytes, maxResponseBytes, holdTimeout, maxAttempts, firstTokenTimeout, idleTimeout,
                every, maxContinuations, crashRetries);
    }

    public GatewayConfig withFailover(int continuations, int crashes) {
        return new GatewayConfig(maxBodyBytes, maxResponseBytes, holdTimeout, maxAttempts, firstTokenTimeout, idleTimeout,
                heartbeat, continuations, crashes);
    }
}
