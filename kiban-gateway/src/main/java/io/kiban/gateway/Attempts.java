package io.kiban.gateway;

import io.kiban.gateway.spi.Endpoint;
import io.kiban.gateway.spi.Route;
import java.util.HashSet;
import java.util.Set;

/**
 * The replicas one request has been sent to and how they failed it, shared by the retries before a response and the
 * continuations of a broken stream: the ids to exclude from the next choice, the requests sent, the failures that
 * look like crashes (the poison guard), and the continuations made.
 */
final class Attempts {
    final Set<String> excluded = new HashSet<>();
    private final GatewayConfig config;
    int sent;
    int crashes;
    int continuations;

    Attempts(GatewayConfig config) {
        this.config = config;
    }

    /** Whether another request may be sent after a failure that did not reach the runtime (refused, busy). */
    boolean mayRetry() {
        return sent < config.maxAttempts();
    }

    /** Counts a failure of a replica that was working on the request; false when the request must not go on. */
    boolean crashed() {
        crashes++;
        return !poisoned();
    }

    /** Whether the request broke more replicas than the configured crash retries: it may be what kills them. */
    boolean poisoned() {
        return crashes > config.crashRetries();
    }

    /** One endpoint taken from a route for one attempt, given back exactly once. */
    static final class Lease {
        final Endpoint endpoint;
        private final Route route;
        private boolean released;

        Lease(Route route, Endpoint endpoint) {
            this.route = route;
            this.endpoint = endpoint;
        }

        void release(boolean failed) {
            if (!released) {
                released = true;
                route.release(endpoint, failed);
            }
        }
    }
}
