package io.kiban.server.limits;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-key requests-per-minute and tokens-per-minute limits, in memory, as two {@link TokenBucket}s per key.
 *
 * <h2>Implementation notes</h2>
 *
 * <p><b>Atomicity.</b> A key's two buckets are guarded by one monitor; a request takes one request and its token
 * estimate under it, or nothing. So, on one server, admitted requests never exceed a bucket and a refused request
 * consumes nothing (LiteLLM counted refused requests against RPM, issue #39309). Tokens are reserved before the call
 * (prompt bytes/4 plus the output budget) and settled after it, so N concurrent requests cannot all pass on the
 * same remaining budget (LiteLLM #18730: 5 concurrent requests spent 6.6× a TPM limit).
 *
 * <p><b>Scope.</b> Limits are per server: with several servers behind a load balancer a key gets its limit on each.
 * Token budgets that must hold across servers are quotas ({@link QuotaLedger}).
 *
 * <p><b>Memory.</b> One entry per key that sent a request recently; {@link #sweep} forgets keys whose buckets are
 * full again (an idle key's state is the same as a new key's). Race: a request thread may hold a key's entry while
 * the sweep removes it; the sweep marks the entry retired under its monitor, and a request that finds its entry
 * retired fetches a fresh one ({@link #take}), so no request is ever counted in a forgotten bucket.
 */
final class KeyRateLimiter {
    private final ConcurrentHashMap<String, Buckets> keys = new ConcurrentHashMap<>();
    private static final long MINUTE = 60_000_000_000L;

    /** Why a request was refused and when it may be retried. */
    record Refusal(boolean tokens, long retryNanos, boolean never, Buckets buckets) {}

    private static final Refusal RETIRED = new Refusal(false, 0, false, null);

    /** A key's buckets; a null bucket means no limit of that kind. */
    static final class Buckets {
        private TokenBucket requests;
        private TokenBucket tokens;
        private boolean retired;

        private synchronized Refusal take(int rpm, long tpm, long estimate, long now) {
            if (retired) {
                return RETIRED;
            }
            requests = follow(requests, rpm, now);
            tokens = follow(tokens, tpm, now);
            if (requests != null && !requests.tryTake(1, now)) {
                return new Refusal(false, requests.nanosUntil(1, now), false, this);
            }
            if (tokens != null && !tokens.tryTake(estimate, now)) {
                if (requests != null) {
                    requests.give(1, now);
                }
                long wait = tokens.nanosUntil(estimate, now);
                return new Refusal(true, wait == Long.MAX_VALUE ? MINUTE : wait, wait == Long.MAX_VALUE, this);
            }
            return null;
        }

        synchronized void release(long estimate, long now) {
            if (requests != null) {
                requests.give(1, now);
            }
            if (tokens != null) {
                tokens.give(estimate, now);
            }
        }

        synchronized void settle(long estimate, long actual, long now) {
            if (tokens != null && actual >= 0) {
                tokens.give(estimate - actual, now);
            }
        }

        /** Appends the {@code x-ratelimit-*} headers for the key's limits. */
        synchronized void headers(java.util.List<String> out, long now) {
            if (requests != null) {
                RateLimitHeaders.requests(out, requests.capacity(), requests.remaining(now), requests.nanosUntilFull(now));
            }
            if (tokens != null) {
                RateLimitHeaders.tokens(out, tokens.capacity(), tokens.remaining(now), tokens.nanosUntilFull(now));
            }
        }

        private synchronized boolean retireIfIdle(long now) {
            if ((requests == null || requests.full(now)) && (tokens == null || tokens.full(now))) {
                retired = true;
            }
            return retired;
        }

        private static TokenBucket follow(TokenBucket bucket, long limit, long now) {
            if (limit <= 0) {
                return null;
            }
            if (bucket == null) {
                return new TokenBucket(limit, MINUTE, now);
            }
            bucket.capacity(limit);
            return bucket;
        }
    }

    /** Result of {@link #take}: the key's buckets, and the refusal or null when the request was admitted. */
    record Taken(Buckets buckets, Refusal refusal) {}

    /**
     * Takes one request and {@code estimate} tokens from the key's buckets, or nothing.
     *
     * @param rpm requests per minute, 0 for none
     * @param tpm tokens per minute, 0 for none
     */
    Taken take(String keyId, int rpm, long tpm, long estimate, long now) {
        while (true) {
            Buckets b = keys.get(keyId);
            if (b == null) {
                b = keys.computeIfAbsent(keyId, k -> new Buckets());
            }
            Refusal r = b.take(rpm, tpm, estimate, now);
            if (r != RETIRED) {
                return new Taken(b, r);
            }
            keys.remove(keyId, b);
        }
    }

    /** Forgets keys whose buckets are full: they behave exactly like keys never seen. */
    void sweep(long now) {
        keys.entrySet().removeIf(e -> e.getValue().retireIfIdle(now));
    }

    int size() {
        return keys.size();
    }
}
