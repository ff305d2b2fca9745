package io.kiban.control.autoscale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConcurrencyWindowTest {

    private static final Duration STABLE = Duration.ofSeconds(60);
    private static final Duration PANIC = Duration.ofSeconds(6);
    /** Near the end of {@code long}: every test also crosses the overflow point of the clock. */
    private static final long T0 = Long.MAX_VALUE - Duration.ofSeconds(30).toNanos();

    private static long at(double seconds) {
        return T0 + (long) (seconds * 1e9);
    }

    @Test
    void constant_concurrency_averages_to_itself() {
        var w = new ConcurrencyWindow(STABLE);
        w.record(at(0), 3);
        assertThat(w.average(at(100), PANIC)).isEqualTo(3.0);
        assertThat(w.average(at(100), STABLE)).isEqualTo(3.0);
    }

    @Test
    void a_step_shows_in_each_window_in_proportion_to_its_time() {
        var w = new ConcurrencyWindow(STABLE);
        w.record(at(0), 0);
        w.record(at(54), 6);
        assertThat(w.average(at(60), PANIC)).isEqualTo(6.0);
        assertThat(w.average(at(60), STABLE)).isCloseTo(0.6, within(1e-12));
        w.record(at(60), 0);
        assertThat(w.average(at(63), PANIC)).isCloseTo(3.0, within(1e-12));
    }

    @Test
    void a_window_starting_inside_a_bucket_is_within_one_bucket_of_exact() {
        var w = new ConcurrencyWindow(STABLE);
        w.record(at(0), 0);
        w.record(at(54.5), 4);
        double exact = 4 * 5.75 / 6;
        assertThat(w.average(at(60.25), PANIC)).isCloseTo(exact, within(4 * 1.0 / 6));
    }

    @Test
    void recording_at_any_rate_gives_the_time_weighted_average() {
        var w = new ConcurrencyWindow(STABLE);
        // 0 and 2 alternating every millisecond for 10 s: time-weighted 1.0
        for (int ms = 0; ms < 10_000; ms++) {
            w.record(at(ms / 1000.0), ms % 2 == 0 ? 0 : 2);
        }
        assertThat(w.average(at(10), PANIC)).isCloseTo(1.0, within(1e-9));
        // one sample per 2 s is a step approximation of the same function
        var sampled = new ConcurrencyWindow(STABLE);
        for (int s = 0; s <= 10; s += 2) {
            sampled.record(at(s), s < 6 ? 2 : 4);
        }
        assertThat(sampled.average(at(10), PANIC)).isCloseTo(4.0 * 4 / 6 + 2.0 * 2 / 6, within(1e-9));
    }

    @Test
    void a_fresh_window_averages_only_the_time_since_its_first_record() {
        var w = new ConcurrencyWindow(STABLE);
        assertThat(w.average(at(0), STABLE)).isZero();
        w.record(at(0), 2);
        assertThat(w.average(at(0), STABLE)).isEqualTo(2.0);
        assertThat(w.average(at(5), STABLE)).isEqualTo(2.0);
    }

    @Test
    void the_last_value_holds_through_a_long_silence() {
        var w = new ConcurrencyWindow(STABLE);
        w.record(at(0), 5);
        assertThat(w.average(at(3600), STABLE)).isEqualTo(5.0);
        w.record(at(3600), 0);
        assertThat(w.average(at(3630), STABLE)).isCloseTo(2.5, within(1e-12));
        assertThat(w.average(at(3630), PANIC)).isZero();
    }

    @Test
    void a_reading_from_the_past_counts_as_now() {
        var w = new ConcurrencyWindow(STABLE);
        w.record(at(0), 0);
        w.record(at(10), 4);
        w.record(at(9.5), 2); // a racing thread read the clock earlier
        assertThat(w.average(at(12), Duration.ofSeconds(2))).isCloseTo(2.0, within(1e-12));
    }

    @Test
    void sub_second_buckets_are_supported() {
        var w = new ConcurrencyWindow(Duration.ofSeconds(2), Duration.ofMillis(100));
        w.record(at(0), 0);
        w.record(at(1.55), 10);
        assertThat(w.average(at(2.0), Duration.ofMillis(400))).isCloseTo(10.0, within(1e-9));
        // the value changed inside the oldest bucket: off by at most one bucket's share
        assertThat(w.average(at(2.05), Duration.ofMillis(500))).isCloseTo(10.0, within(10 * 0.1 / 0.5));
    }

    @Test
    void rejects_windows_it_cannot_answer() {
        var w = new ConcurrencyWindow(STABLE);
        assertThatThrownBy(() -> w.average(at(0), Duration.ofSeconds(61))).hasMessageContaining("at most PT1M");
        assertThatThrownBy(() -> w.record(at(0), -1)).hasMessageContaining(">= 0");
        assertThatThrownBy(() -> new ConcurrencyWindow(Duration.ofMillis(10), Duration.ofSeconds(1)))
                .hasMessageContaining("bucket <= maxWindow");
    }

    @Test
    void recording_and_averaging_allocate_nothing() {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        var w = new ConcurrencyWindow(STABLE);
        long t = T0;
        for (int i = 0; i < 20_000; i++) { // warm up
            w.record(t += 1_000_000, i & 7);
            w.average(t, PANIC);
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100_000; i++) {
            w.record(t += 1_000_000, i & 7);
            if ((i & 63) == 0) {
                w.average(t, STABLE);
            }
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertThat(allocated).as("bytes allocated by 100k records").isLessThan(1024);
    }
}
