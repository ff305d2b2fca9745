package io.kiban.bench.http;

import java.io.IOException;

/**
 * One HTTP request and its response, as a transport hands it to a {@link Handler}. The handler runs on the
 * connection's own thread and may block (sleep between tokens); the response is either one {@link #send} or a
 * chunked stream ({@link #startStream}, {@link #flushChunk}…, {@link #endStream}), or an {@link #abort}.
 *
 * <p>The request body is valid only during {@link Handler#handle}; the transport reuses its buffers.
 */
public interface Exchange {
    String method();

    /** The request path without the query string. */
    String path();

    /** The raw query string, or null. */
    String query();

    /** The first value of a request header (name in lower case), or null. */
    String header(String lowerCaseName);

    /** Whether any request header name starts with {@code lowerCasePrefix} (lets handlers skip lookups). */
    boolean hasHeaderWithPrefix(String lowerCasePrefix);

    byte[] bodyArray();

    int bodyOffset();

    int bodyLength();

    /** The response body being built, or the next chunk of a stream; emptied by each send or flush. */
    ByteSink out();

    /** Adds a response header to the response that has not been sent yet. */
    void responseHeader(String name, String value);

    /** Sends {@link #out()} as the whole response body with a Content-Length. */
    void send(int status, String contentType) throws IOException;

    /** Sends the response head of a chunked stream. */
    void startStream(int status, String contentType) throws IOException;

    /** Sends {@link #out()} as one chunk, immediately. */
    void flushChunk() throws IOException;

    /** Ends the chunked stream normally. */
    void endStream() throws IOException;

    /** Closes the connection at once, leaving the response unfinished (a dropped stream, as a client sees it). */
    void abort();
}
