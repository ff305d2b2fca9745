package io.kiban.bench.http;

import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * A running HTTP/1.1 server. Two are provided; see {@code docs/decisions/0101-simulator-http-server.md} for why
 * {@link Kind#BLOCKING} is the default.
 */
public interface HttpTransport extends AutoCloseable {
    int port();

    @Override
    void close();

    /** The available server implementations. */
    enum Kind {
        /** {@link BlockingHttpServer}: our own HTTP/1.1 server, one virtual thread per connection. */
        BLOCKING,
        /** {@link BlockingHttpServer} with one platform thread per connection (for comparison). */
        BLOCKING_PLATFORM,
        /** The JDK's {@code com.sun.net.httpserver} on virtual threads, with TCP_NODELAY. */
        JDK
    }

    static HttpTransport start(Kind kind, InetSocketAddress address, Handler handler) throws IOException {
        return switch (kind) {
            case BLOCKING -> BlockingHttpServer.start(address, handler, true);
            case BLOCKING_PLATFORM -> BlockingHttpServer.start(address, handler, false);
            case JDK -> JdkHttpTransport.start(address, handler);
        };
    }
}
