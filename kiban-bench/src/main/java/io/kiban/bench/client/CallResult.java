package io.kiban.bench.client;

/**
 * What one request did, with {@link System#nanoTime()} stamps.
 *
 * @param status HTTP status, or 0 when no response head arrived
 * @param failure null on success; otherwise a short kind: {@code http_<status>}, {@code io}, {@code timeout},
 *     {@code incomplete} (a stream cut before {@code [DONE]}), {@code stream_error} (an error event in the stream)
 * @param firstByteNanos when the response head arrived
 * @param firstTokenNanos when the first event with content (or reasoning) arrived; 0 for non-streamed requests
 * @param promptTokens from {@code usage}, or -1 when the response had none
 * @param completionTokens from {@code usage}; when absent, the number of content events (and {@code usageMissing})
 * @param itlMicros gaps between consecutive content events, µs
 * @param itlCount how many entries of {@code itlMicros} are valid
 */
public record CallResult(
        int status,
        String failure,
        long sendNanos,
        long firstByteNanos,
        long firstTokenNanos,
        long endNanos,
        int promptTokens,
        int completionTokens,
        int cachedTokens,
        boolean usageMissing,
        int contentEvents,
        int[] itlMicros,
        int itlCount,
        long bytes) {

    public boolean ok() {
        return failure == null;
    }

    public static CallResult failed(String failure, int status, long sendNanos, long firstByteNanos, long endNanos) {
        return new CallResult(status, failure, sendNanos, firstByteNanos, 0, endNanos, -1, 0, 0, true, 0, null, 0, 0);
    }
}
