package io.kiban.server.limits;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class KeyRateLimiterTest {
    static final long SECOND = 1_000_000_000L;

    @Test
    void requests_beyond_the_rpm_are_refused_with_the_time_until_the_next_one() {
        var limiter = new KeyRateLimiter();
        for (int i = 0; i < 3; i++) {
            assertThat(limiter.take("k", 3, 0, 10, 0).refusal()).isNull();
        }
        var refused = limiter.take("k", 3, 0, 10, 0).refusal();
        assertThat(refused).isNotNull();
        assertThat(refused.tokens()).isFalse();
        assertThat(refused.retryNanos()).isEqualTo(20 * SECOND);
        assertThat(limiter.take("k", 3, 0, 10, 20 * SECOND).refusal()).isNull();
    }

    @Test
    void a_request_refused_for_tokens_does_not_count_against_the_rpm() {
        var limiter = new KeyRateLimiter();
        assertThat(limiter.take("k", 2, 100, 90, 0).refusal()).isNull();
        assertThat(limiter.take("k", 2, 100, 90, 0).refusal().tokens()).isTrue();
        var headers = new ArrayList<String>();
        limiter.take("k", 2, 100, 5, 0).buckets().headers(headers, 0);
        // one request left of 2 before this take, none after: the refused one did not count
        assertThat(headers).containsSubsequence("x-ratelimit-remaining-requests", "0");
    }

    @Test
    void settling_returns_unused_tokens() {
        var limiter = new KeyRateLimiter();
        var taken = limiter.take("k", 0, 100, 90, 0);
        assertThat(limiter.take("k", 0, 100, 90, 0).refusal()).isNotNull();
        taken.buckets().settle(90, 10, 0);
        assertThat(limiter.take("k", 0, 100, 90, 0).refusal()).isNull();
    }

    @Test
    void a_request_larger_than_the_tpm_is_marked_as_never_fitting() {
        var r = new KeyRateLimiter().take("k", 0, 100, 101, 0).refusal();
        assertThat(r.never()).isTrue();
    }

    @Test
    void idle_keys_are_forgotten_and_a_request_racing_the_sweep_is_never_lost() throws Exception {
        var limiter = new KeyRateLimiter();
        limiter.take("k", 10, 0, 1, 0);
        limiter.sweep(0);
        assertThat(limiter.size()).isEqualTo(1); // not full yet
        limiter.sweep(60 * SECOND);
        assertThat(limiter.size()).isZero();

        // 1,000 concurrent takes against a sweeper: exactly rpm are admitted
        var admitted = new AtomicInteger();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<?>> all = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                all.add(pool.submit(() -> {
                    if (limiter.take("hot", 100, 0, 1, 0).refusal() == null) {
                        admitted.incrementAndGet();
                    }
                    limiter.sweep(0);
                }));
            }
            for (var f : all) {
                f.get();
            }
        }
        assertThat(admitted.get()).isEqualTo(100);
    }
}
