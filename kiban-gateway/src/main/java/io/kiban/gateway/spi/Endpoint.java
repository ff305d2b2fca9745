package io.kiban.gateway.spi;

/**
 * Where one replica of a model answers: an OpenAI-compatible base URL split into its parts.
 *
 * @param id the replica's id, for logs, metrics and retries on another replica
 * @param basePath the path prefix before {@code /chat/completions} etc., usually {@code /v1}
 * @param authorization the Authorization header value to send, or null
 */
public record Endpoint(String id, String host, int port, String basePath, String authorization) {}
