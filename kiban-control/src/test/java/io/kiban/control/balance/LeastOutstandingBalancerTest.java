package io.kiban.control.balance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LeastOutstandingBalancerTest extends BalancerContract {

    @Override
    Balancer balancer() {
        return new LeastOutstandingBalancer(new SplittableRandom(42));
    }

    @Test
    void picks_the_candidate_with_fewest_requests_in_flight() {
        var cs = List.of(c("a", 3, 8), c("b", 1, 8), c("c", 2, 8));
        assertThat(balancer().choose(cs, null, Set.of())).isEqualTo("b");
    }

    @Test
    void skips_a_full_candidate_even_when_it_is_the_least_loaded() {
        // b has fewer requests but no free slot (capacity 1); unknown capacity (0) is unbounded
        var cs = List.of(c("a", 5, 0), c("b", 1, 1), c("c", 3, 4));
        assertThat(balancer().choose(cs, null, Set.of())).isEqualTo("c");
        assertThat(balancer().choose(List.of(c("a", 500, 0)), null, Set.of())).isEqualTo("a");
    }

    @Test
    void skips_excluded_candidates() {
        var cs = List.of(c("a", 0, 8), c("b", 1, 8), c("c", 2, 8));
        assertThat(balancer().choose(cs, null, Set.of("a"))).isEqualTo("b");
        assertThat(balancer().choose(cs, null, Set.of("a", "b"))).isEqualTo("c");
    }

    @Test
    void spreads_ties_evenly_and_never_picks_a_busier_candidate() {
        var cs = List.of(c("a", 2, 8), c("b", 1, 8), c("c", 1, 8), c("d", 3, 8), c("e", 1, 8));
        Balancer balancer = balancer();
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 30_000; i++) {
            counts.merge(balancer.choose(cs, null, Set.of()), 1, Integer::sum);
        }
        assertThat(counts).containsOnlyKeys("b", "c", "e");
        // each tied candidate gets a third, within 5 % (about 6 standard deviations)
        assertThat(counts.values()).allSatisfy(n -> assertThat(n).isBetween(9_500, 10_500));
    }
}
