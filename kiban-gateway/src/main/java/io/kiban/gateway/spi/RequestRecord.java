package io.kiban.gateway.spi;

/**
 * What happened to one request through the gateway, handed to {@link RequestListener}s after it ended.
 *
 * @param kind {@code chat}, {@code completion} or {@code embedding}
 * @param responseId the response's own id (such as {@code chatcmpl-…}) when it had one, else the request id
 * @param requestBody the request body as received (null when the key records metadata only)
 * @param responseBody the whole response for non-streamed calls, or the assembled text of a stream; null when
 *     metadata only
 * @param ttftNanos time to the first generated token, or -1
 * @param promptTokens -1 when unknown (for example an error before the model answered)
 */
public record RequestRecord(
        String requestId,
        String responseId,
        String kind,
        String model,
        Principal principal,
        String clientIp,
        int status,
        boolean stream,
        long startEpochMillis,
        long ttftNanos,
        long durationNanos,
        int promptTokens,
        int completionTokens,
        byte[] requestBody,
        String responseBody,
        String errorCode) {}
