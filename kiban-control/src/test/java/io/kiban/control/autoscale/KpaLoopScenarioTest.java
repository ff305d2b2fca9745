package io.kiban.control.autoscale;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The window and the decider driven together the way the thin loop drives them, on a stepped clock: the gateway
 * records concurrency every 100 ms, the loop decides every 2 s, and a replica becomes ready 6 s after it is asked
 * for.
 */
class KpaLoopScenarioTest {

    private static final long T0 = 1_000_000_000_000L;
    private static final long TICK = Duration.ofMillis(100).toNanos();
    private static final int STARTUP_TICKS = 60;

    /** One decision of the simulated loop. */
    record Tick(int second, int ready, int desired, String reason) {}

    /**
     * Runs the loop for {@code seconds}; {@code demand} gives the concurrent requests at each second. Requests beyond
     * the ready replicas' slots wait in the gateway and still count as concurrency.
     */
    private static List<Tick> simulate(ScalingSpec spec, int seconds, IntUnaryOperator demand) {
        var window = new ConcurrencyWindow(spec.stableWindow());
        var decider = new KpaDecider();
        var state = KpaState.initial(T0);
        int desired = 0;
        var readyAt = new ArrayList<Long>(); // tick at which each requested replica turns ready
        var ticks = new ArrayList<Tick>();
        for (long i = 0; i <= seconds * 10L; i++) {
            long now = T0 + i * TICK;
            final long tick = i;
            int ready = (int) readyAt.stream().filter(r -> r <= tick).count();
            int concurrency = demand.applyAsInt((int) (i / 10));
            window.record(now, concurrency);
            int slots = (int) (ready * spec.targetConcurrency());
            int waiting = Math.max(0, concurrency - slots);
            boolean heldAtZero = ready == 0 && waiting > 0 && desired == 0;
            if (i % 20 == 0 || heldAtZero) {
                var obs = new Observation(ready, desired, window.average(now, spec.stableWindow()),
                        window.average(now, spec.panicWindow()), waiting);
                var d = decider.decide(spec, state, obs, now);
                state = d.state();
                while (readyAt.size() < d.desiredReplicas()) {
                    readyAt.add(i + STARTUP_TICKS);
                }
                while (readyAt.size() > d.desiredReplicas()) {
                    readyAt.removeLast();
                }
                desired = d.desiredReplicas();
                ticks.add(new Tick((int) (i / 10), ready, desired, d.reason()));
            }
        }
        return ticks;
    }

    private static int desiredAt(List<Tick> ticks, int second) {
        int desired = 0;
        for (Tick t : ticks) {
            if (t.second() <= second) {
                desired = t.desired();
            }
        }
        return desired;
    }

    @Test
    void follows_a_burst_up_at_once_and_back_down_to_zero_after_the_windows_and_the_grace() {
        var spec = ScalingSpec.of(0, 8, 2.0);
        // 1 request from 10 s, a burst of 12 from 60 s to 90 s, 2 until 150 s, then nothing
        List<Tick> ticks = simulate(spec, 400, s -> s < 10 ? 0 : s < 60 ? 1 : s < 90 ? 12 : s < 150 ? 2 : 0);
        var log = String.join("\n", ticks.stream().map(Tick::toString).toList());

        assertThat(desiredAt(ticks, 9)).as(log).isZero();
        // the first request is held at zero: the loop is poked at once
        assertThat(ticks).as(log).anySatisfy(t -> {
            assertThat(t.second()).isEqualTo(10);
            assertThat(t.desired()).isEqualTo(1);
            assertThat(t.reason()).contains("waiting");
        });
        // the burst panics at the first tick that sees it in the panic window and asks for 12 / 2 = 6 within 3 ticks
        assertThat(ticks).as(log).anySatisfy(t -> {
            assertThat(t.second()).isEqualTo(62);
            assertThat(t.reason()).startsWith("panic:");
        });
        assertThat(desiredAt(ticks, 66)).as(log).isEqualTo(6);
        // no scale-down during the burst, nor until a stable window has passed since the last tick over the
        // threshold (t=68, when only 3 of the 6 replicas were ready)
        for (int s = 66; s < 128; s += 2) {
            assertThat(desiredAt(ticks, s)).as("t=%d\n%s", s, log).isEqualTo(6);
        }
        assertThat(desiredAt(ticks, 128)).as(log).isEqualTo(3);
        // the stable window drains: the 2 remaining requests need 1 replica
        assertThat(desiredAt(ticks, 150)).as(log).isEqualTo(1);
        // zero only after a stable window without requests (t=210) and the 30 s grace
        assertThat(desiredAt(ticks, 236)).as(log).isEqualTo(1);
        assertThat(desiredAt(ticks, 238)).as(log).isZero();
    }
}
