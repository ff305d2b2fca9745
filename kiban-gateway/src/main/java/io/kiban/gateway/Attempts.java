package io.kiban.gateway;

import io.kiban.api.ApiError;
import io.kiban.gateway.spi.Endpoint;
import io.kiban.gateway.spi.Route;
import io.kiban.gateway.upstream.UpstreamException;
import java.time.Duration;
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

    /**
     * Whether to send the request again after a replica failed before answering. Refused connections are retried up
     * to {@code maxAttempts}; a replica that closed the connection while it had the request may have crashed because
     * of it, so such failures are retried only {@code crash-retries} times (the poison guard). Timeouts and
     * malformed answers are not retried: the runtime may be working on the request, or is not a runtime at all.
     */
    boolean retry(UpstreamException.Kind kind) {
        return switch (kind) {
            case REFUSED -> mayRetry();
            case CLOSED, BROKEN -> crashed() && mayRetry();
            case TIMEOUT, MALFORMED -> false;
        };
    }

    /** The error for a request whose replicas all failed it before answering, the last one as {@code kind}. */
    ApiError failure(String model, UpstreamException.Kind kind) {
        return switch (kind) {
            case TIMEOUT -> new ApiError.UpstreamTimeout("The model '" + model + "' did not answer in time. "
                    + "Retry, or ask for fewer tokens.");
            case MALFORMED -> new ApiError.BadUpstream("The runtime serving '" + model + "' answered with "
                    + "something that is not an HTTP response. Retry later; if it persists, tell the operator.");
            case CLOSED, BROKEN -> poisoned()
                    ? new ApiError.ModelUnavailable("The runtime serving '" + model + "' stopped " + crashes
                            + " times while working on this request; it was not sent to another replica, because the "
                            + "request itself may be what stops it.", "upstream_crashed", null)
                    : stopped(model);
            case REFUSED -> stopped(model);
        };
    }

    private static ApiError stopped(String model) {
        return new ApiError.ModelUnavailable("The model '" + model + "' stopped before answering "
                + "(its runtime is restarting). Retry in a few seconds.", "model_unavailable", Duration.ofSeconds(2));
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
