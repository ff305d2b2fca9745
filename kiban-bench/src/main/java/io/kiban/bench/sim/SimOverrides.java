package io.kiban.bench.sim;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.bench.http.Exchange;
import java.time.Duration;
import java.util.List;

/**
 * Knob changes by name, shared by the per-request {@code x-sim-<name>} headers and {@code POST /admin/knobs?<name>=…}.
 * Names: {@code ttft-ms}, {@code itl-ms}, {@code prefill-us-per-token}, {@code tokens}, {@code chunk-bytes},
 * {@code delay-ms}, {@code drop-after}, {@code error-status}, {@code error-rate}, {@code error-every},
 * {@code embedding-dim}. Times may have decimals ({@code x-sim-itl-ms: 0.5}).
 *
 * <p>One header exists only per request: {@code x-sim-error-status: 503} fails that request with that status.
 *
 * @param forcedStatus the status to fail this request with, or 0
 */
record SimOverrides(SimKnobs knobs, int forcedStatus) {
    static final List<String> NAMES = List.of("ttft-ms", "itl-ms", "prefill-us-per-token", "tokens", "chunk-bytes",
            "delay-ms", "drop-after", "error-status", "error-rate", "error-every", "embedding-dim");

    static SimOverrides read(Exchange ex, SimKnobs k) {
        for (String name : NAMES) {
            String v = ex.header("x-sim-" + name);
            if (v != null && !name.equals("error-status")) {
                k = apply(k, name, v, "x-sim-" + name);
            }
        }
        String forced = ex.header("x-sim-error-status");
        int status = 0;
        if (forced != null) {
            status = (int) number(forced, "x-sim-error-status");
            if (status < 400 || status > 599) {
                throw bad("x-sim-error-status", "x-sim-error-status must be a 4xx or 5xx status (got " + forced + ").");
            }
        }
        return new SimOverrides(k, status);
    }

    /** Returns {@code k} with the knob {@code name} set from text; a bad value is a 400 naming {@code source}. */
    static SimKnobs apply(SimKnobs k, String name, String value, String source) {
        double v = number(value, source);
        try {
            return switch (name) {
                case "ttft-ms" -> k.withTtft(millis(v));
                case "itl-ms" -> k.withItl(millis(v));
                case "prefill-us-per-token" -> k.withPrefillPerToken(Duration.ofNanos(Math.round(v * 1_000)));
                case "tokens" -> k.withTokens((int) v);
                case "chunk-bytes" -> k.withChunkBytes((int) v);
                case "delay-ms" -> k.withDelay(millis(v));
                case "drop-after" -> k.withDropAfter((int) v);
                case "error-status" -> k.withErrorStatus((int) v);
                case "error-rate" -> k.withErrorRate(v);
                case "error-every" -> k.withErrorEvery((int) v);
                case "embedding-dim" -> k.withEmbeddingDim((int) v);
                default -> throw bad(source, "Unknown simulator knob '" + name + "'; known: " + NAMES + ".");
            };
        } catch (IllegalArgumentException e) {
            throw bad(source, "Bad value for " + source + ": " + e.getMessage() + ".");
        }
    }

    private static Duration millis(double ms) {
        return Duration.ofNanos(Math.round(ms * 1_000_000));
    }

    private static double number(String value, String source) {
        try {
            return Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw bad(source, source + " must be a number (got '" + value + "').");
        }
    }

    private static ApiException bad(String param, String message) {
        return new ApiException(ApiError.invalidParam(param, message));
    }
}
