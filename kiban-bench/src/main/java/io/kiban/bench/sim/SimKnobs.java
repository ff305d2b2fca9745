package io.kiban.bench.sim;

import java.time.Duration;
import java.util.Objects;

/**
 * The simulator's timing, output and fault knobs. They can change while the simulator runs
 * ({@link Simulator#updateKnobs}, {@code POST /admin/knobs}); every request reads one consistent snapshot, and most
 * can be overridden per request with {@code x-sim-*} headers (see {@link SimRequest}).
 *
 * <p>Timing of one generation request: {@code delay}, then waiting for a concurrency slot (queueing), then prefill
 * ({@code ttft + prefillPerToken × uncached prompt tokens}), then the first token, then one token every {@code itl}.
 * So time to first token = delay + queueing + ttft + α·uncached tokens, and decode time = (tokens − 1) × itl.
 *
 * @param ttft fixed part of the time to first token (β)
 * @param prefillPerToken prefill time per prompt token not found in the prefix cache (α)
 * @param itl time between two output tokens
 * @param tokens output length when the request sets no {@code max_tokens}
 * @param chunkBytes when positive, each streamed token's text is padded to this many bytes (usage still counts one
 *     token per chunk)
 * @param errorStatus HTTP status of injected errors
 * @param errorRate probability in [0, 1] that a generation request fails with {@code errorStatus}
 * @param errorEvery when positive, every Nth generation request fails with {@code errorStatus}
 * @param delay added before anything else, even before an injected error
 * @param dropAfter when non-negative, streams are cut (connection closed, no {@code [DONE]}) after this many chunks
 * @param embeddingDim length of the embedding vectors
 */
public record SimKnobs(
        Duration ttft,
        Duration prefillPerToken,
        Duration itl,
        int tokens,
        int chunkBytes,
        int errorStatus,
        double errorRate,
        int errorEvery,
        Duration delay,
        int dropAfter,
        int embeddingDim) {

    public static final SimKnobs DEFAULTS = new SimKnobs(Duration.ZERO, Duration.ZERO, Duration.ZERO, 16, 0, 500, 0, 0,
            Duration.ZERO, -1, 32);

    public SimKnobs {
        Objects.requireNonNull(ttft, "ttft");
        Objects.requireNonNull(prefillPerToken, "prefillPerToken");
        Objects.requireNonNull(itl, "itl");
        Objects.requireNonNull(delay, "delay");
        requireNonNegative("ttft", ttft);
        requireNonNegative("prefillPerToken", prefillPerToken);
        requireNonNegative("itl", itl);
        requireNonNegative("delay", delay);
        if (tokens < 0) {
            throw new IllegalArgumentException("tokens must be >= 0 (got " + tokens + ")");
        }
        if (chunkBytes < 0) {
            throw new IllegalArgumentException("chunkBytes must be >= 0 (got " + chunkBytes + ")");
        }
        if (errorStatus < 400 || errorStatus > 599) {
            throw new IllegalArgumentException("errorStatus must be a 4xx or 5xx status (got " + errorStatus + ")");
        }
        if (!(errorRate >= 0 && errorRate <= 1)) {
            throw new IllegalArgumentException("errorRate must be in [0, 1] (got " + errorRate + ")");
        }
        if (errorEvery < 0) {
            throw new IllegalArgumentException("errorEvery must be >= 0 (got " + errorEvery + ")");
        }
        if (embeddingDim < 1 || embeddingDim > 65536) {
            throw new IllegalArgumentException("embeddingDim must be in [1, 65536] (got " + embeddingDim + ")");
        }
    }

    private static void requireNonNegative(String name, Duration d) {
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative (got " + d + ")");
        }
    }

    public SimKnobs withTtft(Duration v) {
        return new SimKnobs(v, prefillPerToken, itl, tokens, chunkBytes, errorStatus, errorRate, errorEvery, delay,
                dropAfter, embeddingDim);
    }

    public SimKnobs withPrefillPerToken(Duration v) {
        return new SimKnobs(ttft, v, itl, tokens, chunkBytes, errorStatus, errorRate, errorEvery, delay, dropAfter,
                embeddingDim);
    }

    public SimKnobs withItl(Duration v) {
        return new SimKnobs(ttft, prefillPerToken, v, tokens, chunkBytes, errorStatus, errorRate, errorEvery, delay,
                dropAfter, embeddingDim);
    }

    public SimKnobs withTokens(int v) {
        return new SimKnobs(ttft, prefillPerToken, itl, v, chunkBytes, errorStatus, errorRate, errorEvery, delay,
                dropAfter, embeddingDim);
    }

    public SimKnobs withChunkBytes(int v) {
        return new SimKnobs(ttft, prefillPerToken, itl, tokens, v, errorStatus, errorRate, errorEvery, delay, dropAfter,
                embeddingDim);
    }

    public SimKnobs withErrorStatus(int v) {
        return new SimKnobs(ttft, prefillPerToken, itl, tokens, chunkBytes, v, errorRate, errorEvery, delay, dropAfter,
                embeddingDim);
    }

    public SimKnobs withErrorRate(double v) {
        return new SimKnobs(ttft, prefillPerToken, itl, tokens, chunkBytes, errorStatus, v, errorEvery, delay,
                dropAfter, embeddingDim);
    }

    public SimKnobs withErrorEvery(int v) {
        return new SimKnobs(ttft, prefillPerToken, itl, tokens, chunkBytes, errorStatus, errorRate, v, delay,
                dropAfter, embeddingDim);
    }

    public SimKnobs withDelay(Duration v) {
        return new SimKnobs(ttft, prefillPerToken, itl, tokens, chunkBytes, errorStatus, errorRate, errorEvery, v,
                dropAfter, embeddingDim);
    }

    public SimKnobs withDropAfter(int v) {
        return new SimKnobs(ttft, prefillPerToken, itl, tokens, chunkBytes, errorStatus, errorRate, errorEvery, delay,
                v, embeddingDim);
    }

    public SimKnobs withEmbeddingDim(int v) {
        return new SimKnobs(ttft, prefillPerToken, itl, tokens, chunkBytes, errorStatus, errorRate, errorEvery, delay,
                dropAfter, v);
    }
}
