package io.kiban.gateway.upstream;

import java.util.List;

/**
 * A request to a model runtime.
 *
 * @param path the path and query, starting with {@code /}
 * @param headers extra headers as name/value pairs (Host, Content-Length and Connection are set by the client)
 * @param timeoutMillis longest wait for the response head, or 0 for the client's own read timeout; a stream's head
 *     comes at once while a whole response's comes after the whole generation, so they need different limits
 */
public record UpstreamRequest(String method, String host, int port, String path, List<String> headers, byte[] body,
        int timeoutMillis) {

    public UpstreamRequest(String method, String host, int port, String path, List<String> headers, byte[] body) {
        this(method, host, port, path, headers, body, 0);
    }
}
