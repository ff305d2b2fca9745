package io.kiban.control.balance;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Keeps the decision-time tool working; the times it prints here are not measurements (no warm machine, no load). */
class PrefixAffinityTimingTest {

    @Test
    void the_timing_tool_runs_every_body_shape() {
        var snapshots = PrefixAffinityTiming.snapshots();
        for (var shape : PrefixAffinityTiming.bodies().entrySet()) {
            var m = PrefixAffinityTiming.measure(new PrefixAffinityBalancer(), shape.getValue(), snapshots, 2_000);
            assertThat(m.sink()).as(shape.getKey()).isPositive();
            assertThat(m.sortedNanos()).hasSize(2_000);
        }
    }
}
