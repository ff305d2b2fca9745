package io.kiban.server.limits;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TokenBucketTest {
    static final long SECOND = 1_000_000_000L;
    static final long MINUTE = 60 * SECOND;

    @Test
    void a_full_bucket_allows_a_burst_of_its_capacity_then_refills_continuously() {
        var b = new TokenBucket(60, MINUTE, 0);
        for (int i = 0; i < 60; i++) {
            assertThat(b.tryTake(1, 0)).isTrue();
        }
        assertThat(b.tryTake(1, 0)).isFalse();
        assertThat(b.nanosUntil(1, 0)).isEqualTo(SECOND);
        assertThat(b.tryTake(1, SECOND - 1)).isFalse();
        assertThat(b.tryTake(1, SECOND)).isTrue();
        assertThat(b.nanosUntilFull(SECOND)).isEqualTo(MINUTE);
    }

    @Test
    void a_refused_take_takes_nothing() {
        var b = new TokenBucket(100, MINUTE, 0);
        assertThat(b.tryTake(80, 0)).isTrue();
        assertThat(b.tryTake(30, 0)).isFalse();
        assertThat(b.remaining(0)).isEqualTo(20);
    }

    @Test
    void settling_refunds_the_unused_part_and_charges_an_excess_as_debt() {
        var b = new TokenBucket(100, MINUTE, 0);
        assertThat(b.tryTake(50, 0)).isTrue();
        b.give(50 - 20, 0); // used 20 of 50
        assertThat(b.remaining(0)).isEqualTo(80);
        b.give(-120, 0); // a request that cost 120 more than reserved
        assertThat(b.remaining(0)).isZero();
        assertThat(b.nanosUntil(1, 0)).isEqualTo(MINUTE * 41 / 100); // 40 of debt, then 1
    }

    @Test
    void a_request_larger_than_the_capacity_never_fits() {
        var b = new TokenBucket(100, MINUTE, 0);
        assertThat(b.nanosUntil(101, 0)).isEqualTo(Long.MAX_VALUE);
    }

    @Test
    void a_lowered_capacity_caps_the_level() {
        var b = new TokenBucket(100, MINUTE, 0);
        b.capacity(10);
        assertThat(b.remaining(0)).isEqualTo(10);
        assertThat(b.full(0)).isTrue();
    }
}
