package io.kiban.gateway.spi;

import java.util.List;
import java.util.Map;

/**
 * What happened to one request through the gateway, handed to {@link RequestListener}s after it ended.
 *
 * @param kind {@code chat}, {@code completion} or {@code embedding}
 * @param responseId the response's own id (such as {@code chatcmpl-…}) when it had one, else the request id
 * @param model the model named in the request, or null when the body could not be read
 * @param requestBody the request body as received (null when the key records metadata only)
 * @param responseBody the whole response for non-streamed calls, or the assembled text of a stream (choices
 *     joined by a blank line); null when metadata only
 * @param ttftNanos time to the first generated token, or -1
 * @param promptTokens -1 when unknown (for example an error before the model answered); for a stream cut short,
 *     what the runtime reported in {@code x-kiban-prompt-tokens}
 * @param completionTokens -1 when unknown; for a stream cut short, the text events the runtime sent (one per token
 *     for Kiban's workers)
 * @param choiceTexts for streams, the assembled text of each choice by index; null for whole responses or when
 *     bodies are not recorded
 * @param finishReasons for streams, each choice's {@code finish_reason} (null while it had none); null as above
 * @param metadata the request's OpenAI {@code metadata} pairs, empty when it had none
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
        String errorCode,
        List<String> choiceTexts,
        List<String> finishReasons,
        Map<String, String> metadata) {}
