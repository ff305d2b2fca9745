package io.kiban.control.autoscale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Table-driven tests of {@link KpaDecider} on a stepped clock. Each row is one decision tick: the second it happens
 * at, what the loop observed, and the count (and a piece of the reason) it must produce. The desired count observed
 * by a row is the one the previous row decided, as the loop would pass it.
 *
 * <p>The clock starts 100 s before {@code Long.MAX_VALUE}, so every scenario longer than that also checks that the
 * decider only subtracts times and never compares them directly.
 */
class KpaDeciderTest {

    private static final long BASE = Long.MAX_VALUE - Duration.ofSeconds(100).toNanos();
    /** target 1 request per replica, min 0, max 10, Knative defaults otherwise. */
    private static final ScalingSpec SPEC = ScalingSpec.of(0, 10, 1.0);

    private final KpaDecider decider = new KpaDecider();

    /** One tick: at {@code t} seconds the loop saw this; the decider must say {@code want}, with this in its reason. */
    record Row(int t, int ready, double stable, double panic, int waiting, int want, String reason) {}

    static Row row(int t, int ready, double stable, double panic, int want, String reason) {
        return new Row(t, ready, stable, panic, 0, want, reason);
    }

    static Row waiting(int t, int ready, double stable, double panic, int waiting, int want, String reason) {
        return new Row(t, ready, stable, panic, waiting, want, reason);
    }

    /** Runs the rows in order from a fresh state and returns each decision. */
    private List<ScaleDecision> run(ScalingSpec spec, int initialDesired, Row... rows) {
        var state = KpaState.initial(BASE);
        int desired = initialDesired;
        var decisions = new ArrayList<ScaleDecision>();
        for (Row r : rows) {
            long now = BASE + Duration.ofSeconds(r.t()).toNanos();
            var obs = new Observation(r.ready(), desired, r.stable(), r.panic(), r.waiting());
            ScaleDecision d = decider.decide(spec, state, obs, now);
            assertThat(d.desiredReplicas()).as("t=%d s: %s", r.t(), d.reason()).isEqualTo(r.want());
            if (r.reason() != null) {
                assertThat(d.reason()).as("t=%d s", r.t()).contains(r.reason());
            }
            decisions.add(d);
            state = d.state();
            desired = d.desiredReplicas();
        }
        return decisions;
    }

    @Test
    void steady_load_keeps_the_replica_count() {
        run(SPEC, 3,
                //  t  ready stable panic want  reason
                row(0, 3, 3.0, 3.0, 3, "60 s concurrency 3 at target 1 per replica needs 3 → 3"),
                row(2, 3, 2.5, 3.4, 3, null),
                row(4, 3, 2.1, 1.0, 3, null),
                row(6, 3, 3.0, 5.0, 3, null));
    }

    @Test
    void target_above_one_divides_concurrency_and_rounding_noise_does_not_add_a_replica() {
        run(ScalingSpec.of(0, 10, 4.0), 2,
                row(0, 2, 8.000000000001, 8.0, 2, "at target 4 per replica needs 2"),
                row(2, 2, 8.5, 8.5, 3, null));
    }

    @Test
    void burst_panics_scales_up_at_once_never_down_while_panicking_and_leaves_after_a_stable_window() {
        var decisions = run(SPEC, 2,
                //  t  ready stable panic want  reason
                row(0, 2, 2.0, 2.0, 2, null),
                row(2, 2, 2.3, 9.0, 9, "panic: 6 s concurrency 9 needs 9, 4.50× the 2 ready (threshold 2×) → 9"),
                row(4, 2, 2.6, 9.5, 10, "panicking for 2 s"),
                row(6, 10, 3.0, 4.0, 10, "panic never scales down, holding 10"),
                row(30, 10, 3.0, 1.0, 10, "holding 10"),
                row(63, 10, 3.0, 1.0, 10, "holding 10"),
                // a full stable window after the last tick over the threshold (t=4): back to the stable window,
                // limited by the scale-down rate to floor(10 / 2)
                row(64, 10, 3.0, 1.0, 5, "panic over after 62 s (none for 60 s)"),
                row(66, 5, 3.0, 1.0, 3, "60 s concurrency 3"));
        assertThat(decisions.get(1).panicking()).isTrue();
        assertThat(decisions.get(5).panicking()).isTrue();
        assertThat(decisions.get(6).panicking()).isFalse();
        assertThat(decisions.get(6).reason()).contains("max scale-down rate 2 allows no fewer than 5");
    }

    @Test
    void another_burst_during_panic_extends_it() {
        run(SPEC, 2,
                row(0, 2, 2.0, 8.0, 8, "panic:"),
                row(40, 8, 3.0, 17.0, 10, "panicking for 40 s"),
                row(99, 10, 3.0, 1.0, 10, "holding 10"),
                row(100, 10, 3.0, 1.0, 5, "panic over after 100 s"));
    }

    @Test
    void in_panic_a_stable_window_above_the_panic_window_wins() {
        run(SPEC, 2,
                row(0, 2, 2.0, 8.0, 8, "panic:"),
                row(2, 8, 9.0, 3.0, 9, null));
    }

    @Test
    void just_below_the_panic_threshold_does_not_panic() {
        var d = run(SPEC, 4, row(0, 4, 4.0, 7.0, 4, "60 s concurrency 4"));
        assertThat(d.getFirst().panicking()).isFalse();
    }

    @Test
    void scale_up_rate_caps_each_step_by_ready_replicas() {
        run(SPEC.withRates(2.0, 2.0), 1,
                row(0, 1, 9.0, 9.0, 2, "max scale-up rate 2× 1 ready allows 2 → 2"),
                row(2, 1, 9.0, 9.0, 2, null), // the new replica is not ready yet
                row(4, 2, 9.0, 9.0, 4, "allows 4"),
                row(6, 4, 9.0, 9.0, 8, null),
                row(8, 8, 9.0, 9.0, 9, null));
    }

    @Test
    void scale_down_delay_holds_the_largest_recommendation_of_the_window() {
        var spec = SPEC.withScaleDownDelay(Duration.ofSeconds(20)).withRates(1000, 100);
        run(spec, 8,
                row(0, 8, 8.0, 8.0, 8, null),
                row(2, 8, 2.0, 2.0, 8, "scale-down delay 20 s holds 8 → 8"),
                row(19, 8, 2.0, 2.0, 8, null),
                row(20, 8, 2.0, 2.0, 2, "needs 2 → 2"),
                // scaling up is never delayed
                row(22, 2, 5.0, 3.0, 5, null),
                row(24, 5, 1.0, 1.0, 5, "holds 5"),
                row(41, 5, 1.0, 1.0, 5, null),
                row(42, 5, 1.0, 1.0, 1, null));
    }

    @Test
    void scale_down_delay_combines_with_the_scale_down_rate_as_a_staircase() {
        run(SPEC.withScaleDownDelay(Duration.ofSeconds(10)), 8,
                row(0, 8, 8.0, 8.0, 8, null),
                row(2, 8, 1.0, 1.0, 8, "holds 8"),
                row(10, 8, 1.0, 1.0, 4, null), // floor(8 / 2) since t=2
                row(12, 4, 1.0, 1.0, 4, null),
                row(20, 4, 1.0, 1.0, 2, null),
                row(30, 2, 1.0, 1.0, 1, null));
    }

    @Test
    void scales_to_zero_only_after_the_grace_period_when_min_is_zero() {
        run(SPEC, 1,
                row(0, 1, 0.5, 0.0, 1, null),
                row(2, 1, 0.0, 0.0, 1, "no demand; keeping 1 replica 28 s more (scale-to-zero grace 30 s) → 1"),
                row(28, 1, 0.0, 0.0, 1, "keeping 1 replica 2 s more"),
                row(30, 1, 0.0, 0.0, 0, "no demand for the scale-to-zero grace 30 s → 0"),
                row(32, 0, 0.0, 0.0, 0, "needs 0 → 0"));
    }

    @Test
    void demand_during_the_grace_period_restarts_it() {
        run(SPEC, 1,
                row(0, 1, 0.0, 0.0, 1, "keeping 1 replica 30 s more"),
                row(20, 1, 0.2, 0.2, 1, "needs 1 → 1"),
                row(22, 1, 0.0, 0.0, 1, "keeping 1 replica 28 s more"),
                row(50, 1, 0.0, 0.0, 0, null));
    }

    @Test
    void zero_grace_scales_to_zero_at_once() {
        run(SPEC.withScaleToZeroGrace(Duration.ZERO), 1, row(0, 1, 0.0, 0.0, 0, null));
    }

    @Test
    void never_goes_below_min_or_above_max() {
        var spec = ScalingSpec.of(2, 5, 1.0);
        run(spec, 2,
                row(0, 2, 0.0, 0.0, 2, "min replicas 2 → 2"),
                row(2, 2, 3.0, 50.0, 5, "max replicas 5 → 5"),
                row(4, 5, 40.0, 50.0, 5, "max replicas 5"),
                row(200, 2, 0.0, 0.0, 2, "min replicas 2 → 2"));
    }

    @Test
    void a_request_waiting_at_zero_replicas_activates_the_deployment() {
        run(SPEC, 0,
                row(0, 0, 0.0, 0.0, 0, "needs 0 → 0"),
                waiting(1, 0, 0.0, 0.0, 1, 1, "1 request waiting at 0 ready replicas: activate → 1"),
                // the window has caught up: the held request is concurrency now
                waiting(3, 0, 0.05, 0.5, 1, 1, "needs 1 → 1"));
    }

    @Test
    void activation_scale_sets_the_first_step_up_from_zero() {
        run(SPEC.withActivationScale(3), 0,
                waiting(0, 0, 0.0, 0.0, 2, 3, "2 requests waiting at 0 ready replicas: activate (activation scale 3) → 3"),
                row(2, 3, 0.5, 0.5, 3, "activation scale 3"),
                // no demand: no activation floor, so the deployment steps down and can reach zero
                row(200, 3, 0.0, 0.0, 1, "max scale-down rate 2 allows no fewer than 1 → 1"),
                row(202, 1, 0.0, 0.0, 1, "keeping 1 replica"));
    }

    @Test
    void a_waiting_request_wins_over_the_grace_period() {
        run(SPEC.withActivationScale(3), 1,
                waiting(0, 1, 0.0, 0.0, 2, 3, "activate (activation scale 3) → 3"));
    }

    @Test
    void a_burst_at_zero_replicas_panics_straight_to_the_needed_count() {
        run(SPEC, 0, waiting(0, 0, 0.4, 4.0, 4, 4, "panic: 6 s concurrency 4 needs 4, 4× the 0 ready"));
    }

    @Test
    void max_zero_disables_the_deployment() {
        run(ScalingSpec.of(0, 0, 1.0), 1, waiting(0, 1, 5.0, 5.0, 3, 0, "deployment disabled → 0"));
    }

    @Test
    void decisions_are_reproducible_from_state() {
        var obs = new Observation(2, 2, 2.3, 9.0, 0);
        var state = KpaState.initial(BASE);
        var a = decider.decide(SPEC, state, obs, BASE + 5);
        var b = decider.decide(SPEC, state, obs, BASE + 5);
        assertThat(a).isEqualTo(b);
    }

    @Test
    void invalid_specs_say_what_is_wrong() {
        assertThatThrownBy(() -> ScalingSpec.of(3, 2, 1.0)).hasMessageContaining("maxReplicas must be >= minReplicas");
        assertThatThrownBy(() -> ScalingSpec.of(0, 2, 0)).hasMessageContaining("targetConcurrency");
        assertThatThrownBy(() -> SPEC.withWindows(Duration.ofSeconds(6), Duration.ofSeconds(60)))
                .hasMessageContaining("panicWindow must be positive and at most stableWindow");
        assertThatThrownBy(() -> SPEC.withRates(1.0, 2.0)).hasMessageContaining("maxScaleUpRate must be > 1.0");
        assertThatThrownBy(() -> SPEC.withActivationScale(0)).hasMessageContaining("activationScale");
    }
}
