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

    /** Reads the rest of the body into memory, at most {@code limit} bytes. */
    default byte[] readAll(int limit) throws IOException {
        return body().readNBytes(limit);
    }

    @Override
    void close();
}
