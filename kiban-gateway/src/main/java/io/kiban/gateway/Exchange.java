package io.kiban.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * One HTTP request and its response, as the gateway sees them; adapted from whichever HTTP server carries the data
 * plane (a raw servlet on Tomcat in {@code kiban serve}).
 */
public interface Exchange {
    String method();

    /** The path without the query string. */
    String path();

    /** The raw query string, or null. */
    String query();

    /** The first value of a request header, or null. */
    String header(String name);

    /** The client's IP address. */
    String clientIp();

    /** The declared body length, or -1. */
    long contentLength();

    InputStream body() throws IOException;

    void status(int status);

    void header(String name, String value);

    /** The response body; the status and headers are committed on the first write or flush. */
    OutputStream output() throws IOException;

    /**
     * Whether the client has closed its connection, told without waiting and without taking a request the client
     * may have sent next; false when it cannot be told. The gateway asks this now and then while a whole
     * (non-streamed) response is generated, since nothing is written to the client until it is done.
     */
    default boolean clientGone() {
        return false;
    }
}
