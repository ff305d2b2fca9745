package io.kiban.gateway.upstream;

import java.io.IOException;

/**
 * An upstream call failed. {@link #beforeResponse()} tells whether it failed before any response byte arrived, in
 * which case the request may be retried on another replica.
 */
public final class UpstreamException extends IOException {
    private final boolean beforeResponse;
    private final boolean timeout;

    public UpstreamException(String message, Throwable cause, boolean beforeResponse, boolean timeout) {
        super(message, cause);
        this.beforeResponse = beforeResponse;
        this.timeout = timeout;
    }

    public boolean beforeResponse() {
        return beforeResponse;
    }

    public boolean timeout() {
        return timeout;
    }
}
