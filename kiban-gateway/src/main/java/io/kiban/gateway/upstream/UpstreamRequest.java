package io.kiban.gateway.upstream;

import java.util.List;

/**
 * A request to a model runtime.
 *
 * @param path the path and query, starting with {@code /}
 * @param headers extra headers as name/value pairs (Host, Content-Length and Connection are set by the client)
 */
public record UpstreamRequest(String method, String host, int port, String path, List<String> headers, byte[] body) {}
