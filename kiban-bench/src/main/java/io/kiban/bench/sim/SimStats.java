package io.kiban.bench.sim;

/**
 * A snapshot of a simulator's counters since start (or the last reset).
 *
 * @param requests generation and embedding requests received (not health, models or admin calls)
 * @param completed requests answered in full (streams that reached {@code [DONE]})
 * @param injectedErrors requests failed on purpose (error rate, every-Nth, {@code x-sim-error-status})
 * @param rejected requests answered 429 because the queue was full
 * @param unready requests answered 503 because the simulator was not ready
 * @param dropped streams cut on purpose before {@code [DONE]}
 * @param promptTokens prompt tokens of admitted requests
 * @param completionTokens output tokens sent
 * @param cachedTokens prompt tokens found in the prefix cache
 * @param prefixHitBlocks prompt blocks found in the prefix cache
 * @param prefixMissBlocks prompt blocks not found (full blocks only)
 * @param active requests holding a concurrency slot now
 * @param queued requests waiting for a slot now
 * @param cacheBlocks blocks in the prefix cache now
 */
public record SimStats(
        long requests,
        long completed,
        long injectedErrors,
        long rejected,
        long unready,
        long dropped,
        long promptTokens,
        long completionTokens,
        long cachedTokens,
        long prefixHitBlocks,
        long prefixMissBlocks,
        int active,
        int queued,
        int cacheBlocks) {

    /** Cached blocks ÷ all full prompt blocks looked up, or 0 when nothing was looked up. */
    public double prefixHitRate() {
        long all = prefixHitBlocks + prefixMissBlocks;
        return all == 0 ? 0 : (double) prefixHitBlocks / all;
    }
}
