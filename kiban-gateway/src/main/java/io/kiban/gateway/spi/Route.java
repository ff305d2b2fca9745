package io.kiban.gateway.spi;

import java.util.Set;

/**
 * The way to a model's replicas. The gateway asks for an endpoint per attempt and gives it back when the attempt
 * ends, so the route can balance by outstanding requests.
 */
public interface Route {

    String model();

    /**
     * How long this route lets a request wait for a replica, in nanoseconds; the gateway waits at most the smaller
     * of this and its own hold timeout. Unbounded by default.
     */
    default long holdTimeoutNanos() {
        return Long.MAX_VALUE;
    }

    /**
     * An endpoint for the next attempt, waiting (for a replica to start, for example) until {@code deadlineNanos}
     * on {@link System#nanoTime()}'s clock.
     *
     * @param prompt the request body, for prefix-affinity balancing; may be ignored
     * @param exclude ids of endpoints that already failed this request
     * @throws io.kiban.api.ApiException 503 or 429 with Retry-After when no replica becomes ready in time
     */
    Endpoint acquire(byte[] prompt, Set<String> exclude, long deadlineNanos) throws InterruptedException;

    /**
     * An endpoint for the next attempt if one is ready now or becomes ready within {@code waitNanos}, else null. The
     * gateway waits in such slices when it has something to do between them (an SSE comment to a held stream), and
     * ends with {@link #acquire} so that the final refusal is the route's own 503. {@code waitNanos} may be 0: only
     * an endpoint that is ready now.
     *
     * @throws io.kiban.api.ApiException when the route refuses at once (for example too many requests are waiting)
     */
    Endpoint poll(byte[] prompt, Set<String> exclude, long waitNanos) throws InterruptedException;

    /** Ends an attempt; {@code failed} when the endpoint did not answer (connection refused, reset, timeout). */
    void release(Endpoint endpoint, boolean failed);

    /**
     * Stops the work of a request whose client went away, beyond closing its connection (which the gateway does
     * first, and which is all that vLLM or llama-server need). Called off the request's thread; must not block for
     * long. Does nothing by default.
     *
     * @param requestId the {@code x-request-id} the gateway sent with the request
     */
    default void cancel(Endpoint endpoint, String requestId) {}
}
