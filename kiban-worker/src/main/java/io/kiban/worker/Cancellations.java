package io.kiban.worker;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The generations in flight, by the gateway's request id ({@code x-request-id}), so that the gateway can cancel one
 * whose client went away: {@code POST /kiban/requests/{id}/cancel}.
 *
 * <p>Why not just the closed connection: a whole (non-streamed) response writes nothing until the generation ends,
 * and {@code com.sun.net.httpserver} tells a handler nothing about its connection until it writes, so a worker would
 * only notice the gateway hung up after generating every token. Streams need no cancel call: their next write fails.
 * The flag is read by the thread that drives the generation, after each token (llama.cpp tasks are cancelled only by
 * that thread).
 */
final class Cancellations {
    private static final AtomicBoolean NEVER = new AtomicBoolean();

    private final Map<String, AtomicBoolean> inFlight = new ConcurrentHashMap<>();

    /** The flag for a request that is starting; a request without an id, or with a reused one, can't be cancelled. */
    AtomicBoolean register(String requestId) {
        if (requestId == null || requestId.isEmpty()) {
            return NEVER;
        }
        AtomicBoolean flag = new AtomicBoolean();
        return inFlight.putIfAbsent(requestId, flag) == null ? flag : NEVER;
    }

    void unregister(String requestId, AtomicBoolean flag) {
        if (flag != NEVER) {
            inFlight.remove(requestId, flag);
        }
    }

    /** Marks a request cancelled; false when no such request is in flight (finished already, or never came). */
    boolean cancel(String requestId) {
        AtomicBoolean flag = inFlight.get(requestId);
        if (flag == null) {
            return false;
        }
        flag.set(true);
        return true;
    }
}
