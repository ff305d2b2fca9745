package io.kiban.control.balance;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.control.balance.PrefixCacheSimulation.Fleet;
import io.kiban.control.balance.PrefixCacheSimulation.Result;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Prefix affinity against round-robin and least-outstanding on a synthetic multi-turn chat trace (fixed seed), in the
 * simulation described by {@link PrefixCacheSimulation}. The printed table is the result to report.
 */
class PrefixCacheSimulationTest {

    @Test
    void prefix_affinity_reuses_far_more_cache_than_load_only_balancing() {
        var trace = PrefixCacheSimulation.syntheticChats(20260101L, 300, 1_200_000);
        // 8 replicas of 8 slots, each caching 600 blocks; 256 bytes of text per block keeps the test fast
        var fleet = Fleet.defaults(8, 600, 256);
        Map<String, Result> results = new LinkedHashMap<>();
        PrefixCacheSimulation.policies(8192).forEach((name, balancer) ->
                results.put(name, PrefixCacheSimulation.run(name, balancer.get(), trace, fleet)));
        String looser = "prefix-affinity 8KiB c=2.0";
        results.put(looser, PrefixCacheSimulation.run(looser,
                PrefixCacheSimulation.policies(8192, 2.0).get(looser).get(), trace, fleet));
        System.out.printf("synthetic chats: %d requests, ideal hit rate %.1f%%%n", trace.size(),
                100 * PrefixCacheSimulation.idealHitRate(trace));
        results.values().forEach(System.out::println);

        double rr = results.get("round-robin").hitRate();
        double lo = results.get("least-outstanding").hitRate();
        Result affinity = results.get("prefix-affinity 8KiB");
        // measured: round-robin 19.0 %, least-outstanding 18.8 %, affinity 48.9 % (c=1.25) and 61.8 % (c=2);
        // the simulation is deterministic, the margins leave room for changes to the hash or the trace
        assertThat(affinity.hitRate()).isGreaterThanOrEqualTo(2 * rr).isGreaterThanOrEqualTo(2 * lo);
        assertThat(results.get(looser).hitRate()).isGreaterThanOrEqualTo(3 * rr);
        for (Result r : results.values()) {
            assertThat(r.maxQueued()).as("%s must not hold requests while slots are free", r.policy()).isZero();
        }
    }
}
