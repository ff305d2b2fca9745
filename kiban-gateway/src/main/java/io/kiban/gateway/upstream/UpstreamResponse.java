package io.kiban.gateway.upstream;

import java.io.IOException;
import java.io.InputStream;

/**
 * A response from a model runtime whose body is read as it arrives. Closing it before the body is read to the end
 * closes the connection (which also tells the runtime to stop generating); reading to the end returns the connection
 * to the pool.
 */
public interface UpstreamResponse extends AutoCloseable {
    int status();

    /** The first value of a header (case-insensitive), or null. */
    String header(String name);

    /** -1 when the length is not known in advance (chunked or close-delimited). */
    long contentLength();

    InputStream body();

    /**
     * Sets the longest wait for each following read of the body (a stream's first token, then the gap between two
     * chunks). Clients that cannot change it ignore the call and keep their own read timeout.
     */
    default void readTimeout(int millis) {}

    /** Reads the rest of the body into memory, at most {@code limit} bytes. */
    default byte[] readAll(int limit) throws IOException {
        long length = contentLength();
        // A declared length sizes the read: readNBytes(limit) starts with a 16 KiB buffer however small the body is,
        // which was most of what a non-streamed call allocated (docs/benchmarks/2026-11-22-jmh-gateway.md).
        return body().readNBytes(length >= 0 && length < limit ? (int) length + 1 : limit);
    }

    @Override
    void close();
}
