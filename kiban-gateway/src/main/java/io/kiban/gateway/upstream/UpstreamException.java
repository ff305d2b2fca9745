package io.kiban.gateway.upstream;

import java.io.IOException;

/**
 * An upstream call failed before its response head was complete. {@link #kind()} says how, which decides what the
 * gateway may do next: send the request to another replica, count the failure as a possible crash, or give up.
 */
public final class UpstreamException extends IOException {

    /** How a call failed. */
    public enum Kind {
        /** No connection, or the request could not be written: the runtime never had it. Safe to send elsewhere. */
        REFUSED,
        /**
         * The request was sent, then the connection closed or was reset before any response byte: the runtime may
         * have crashed while working on it (possibly because of it).
         */
        CLOSED,
        /** Like {@link #CLOSED}, but in the middle of the response head: the runtime had started to answer. */
        BROKEN,
        /** No response head in time: the runtime has the request and may still be working on it. */
        TIMEOUT,
        /** The response head is not HTTP (a garbage status line or header): the runtime is not what it should be. */
        MALFORMED
    }

    private final Kind kind;

    public UpstreamException(String message, Throwable cause, Kind kind) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    /** Whether no response byte arrived and the runtime did not time out with the request: REFUSED or CLOSED. */
    public boolean beforeResponse() {
        return kind == Kind.REFUSED || kind == Kind.CLOSED;
    }

    public boolean timeout() {
        return kind == Kind.TIMEOUT;
    }
}
