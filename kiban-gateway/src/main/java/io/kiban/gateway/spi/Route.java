package io.kiban.gateway.spi;

import java.util.Set;

/**
 * The way to a model's replicas. The gateway asks for an endpoint per attempt and gives it back when the attempt
 * ends, so the route can balance by outstanding requests.
 */
public interface Route {

    String model();

    /**
     * An endpoint for the next attempt, waiting (for a replica to start, for example) until {@code deadlineNanos}
     * on {@link System#nanoTime()}'s clock.
     *
     * @param prompt the request body, for prefix-affinity balancing; may be ignored
     * @param exclude ids of endpoints that already failed this request
     * @throws io.kiban.api.ApiException 503 or 429 with Retry-After when no replica becomes ready in time
     */
    Endpoint acquire(byte[] prompt, Set<String> exclude, long deadlineNanos) throws InterruptedException;

    /** Ends an attempt; {@code failed} when the endpoint did not answer (connection refused, reset, timeout). */
    void release(Endpoint endpoint, boolean failed);
}
