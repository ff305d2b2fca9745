package io.kiban.gateway.upstream;

import java.util.List;

/**
 * A request to a model runtime.
 *
 * @param path the path and query, starting with {@code /}
 * @param headers extra headers as name/value pairs (Host, Content-Length and Connection are set by the client)
 * @param timeoutMillis longest wait for the response head, or 0 for the client's own read timeout; a stream's head
 *     comes at once while a whole response's comes after the whole generation, so they need different limits
 * @param abort ends the call from another thread (the client went away), or null
 */
public record UpstreamRequest(String method, String host, int port, String path, List<String> headers, byte[] body,
        int timeoutMillis, Abort abort) {

    public UpstreamRequest(String method, String host, int port, String path, List<String> headers, byte[] body,
            int timeoutMillis) {
        this(method, host, port, path, headers, body, timeoutMillis, null);
    }

    public UpstreamRequest(String method, String host, int port, String path, List<String> headers, byte[] body) {
        this(method, host, port, path, headers, body, 0, null);
    }
}
