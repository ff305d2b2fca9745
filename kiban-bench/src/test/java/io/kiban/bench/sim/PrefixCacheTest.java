package io.kiban.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PrefixCacheTest {

    @Test
    void counts_only_the_leading_run_of_cached_blocks() {
        PrefixCache cache = new PrefixCache(100, 16);
        assertThat(cache.admit(new long[] {1, 2, 3})).isZero();
        assertThat(cache.admit(new long[] {1, 2, 3, 4})).isEqualTo(3);
        assertThat(cache.admit(new long[] {9, 2, 3})).as("a miss in front ends the reusable prefix").isZero();
        assertThat(cache.size()).isEqualTo(5);
    }

    @Test
    void evicts_the_least_recently_used_blocks() {
        PrefixCache cache = new PrefixCache(3, 16);
        cache.admit(new long[] {1, 2});
        cache.admit(new long[] {3});
        cache.admit(new long[] {1}); // 1 is now the most recent; 2 is the eldest
        cache.admit(new long[] {4}); // evicts 2
        assertThat(cache.size()).isEqualTo(3);
        assertThat(cache.admit(new long[] {1, 2})).isEqualTo(1);
        assertThat(cache.admit(new long[] {3})).as("3 was evicted when 2 came back").isZero();
    }

    @Test
    void clear_empties_the_cache() {
        PrefixCache cache = new PrefixCache(3, 16);
        cache.admit(new long[] {1});
        cache.clear();
        assertThat(cache.admit(new long[] {1})).isZero();
    }
}
