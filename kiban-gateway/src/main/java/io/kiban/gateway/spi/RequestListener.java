package io.kiban.gateway.spi;

/**
 * Receives every finished request (history, usage accounting). Called on the request thread after the response
 * was sent: implementations must only enqueue, never block or touch a database.
 */
public interface RequestListener {
    /** Whether this listener needs bodies (the request and the assembled response text); lets the gateway skip work. */
    boolean wantsBodies();

    void completed(RequestRecord record);
}
