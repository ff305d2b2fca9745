package io.kiban.control.balance;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The contract every {@link Balancer} keeps; each implementation's test extends this class. */
abstract class BalancerContract {

    /** A fresh balancer under test, deterministic where it takes a random source. */
    abstract Balancer balancer();

    static Candidate c(String id, int inFlight, int capacity) {
        return new Candidate(id, inFlight, capacity);
    }

    static byte[] chat(String system, String user) {
        return ("{\"model\":\"m\",\"messages\":[{\"role\":\"system\",\"content\":\"" + system
                + "\"},{\"role\":\"user\",\"content\":\"" + user + "\"}],\"stream\":true}")
                .getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void no_candidates_gives_null() {
        assertThat(balancer().choose(List.of(), chat("s", "u"), Set.of())).isNull();
    }

    @Test
    void every_candidate_excluded_gives_null() {
        var cs = List.of(c("a", 0, 4), c("b", 1, 4));
        assertThat(balancer().choose(cs, chat("s", "u"), Set.of("a", "b"))).isNull();
        assertThat(balancer().choose(cs, null, Set.of("a", "b"))).isNull();
    }

    @Test
    void every_candidate_full_gives_null() {
        var cs = List.of(c("a", 4, 4), c("b", 5, 4));
        assertThat(balancer().choose(cs, chat("s", "u"), Set.of())).isNull();
        assertThat(balancer().choose(cs, null, null)).isNull();
    }

    @Test
    void a_single_candidate_with_room_is_chosen_with_or_without_a_body() {
        var cs = List.of(c("only", 3, 4));
        assertThat(balancer().choose(cs, chat("s", "u"), Set.of())).isEqualTo("only");
        assertThat(balancer().choose(cs, null, null)).isEqualTo("only");
        assertThat(balancer().choose(cs, "not json".getBytes(StandardCharsets.UTF_8), Set.of())).isEqualTo("only");
    }

    @Test
    void never_chooses_an_excluded_or_full_candidate_and_chooses_when_one_has_room() {
        var random = new SplittableRandom(7);
        Balancer balancer = balancer();
        for (int round = 0; round < 2_000; round++) {
            int n = 1 + random.nextInt(12);
            var cs = new ArrayList<Candidate>();
            var exclude = new HashSet<String>();
            boolean anyEligible = false;
            for (int i = 0; i < n; i++) {
                int cap = random.nextInt(4) == 0 ? 0 : 1 + random.nextInt(6);
                int load = random.nextInt(8);
                var cand = c("r" + i, load, cap);
                cs.add(cand);
                boolean excluded = random.nextInt(4) == 0;
                if (excluded) {
                    exclude.add(cand.id());
                }
                anyEligible |= !excluded && cand.hasRoom();
            }
            byte[] body = random.nextBoolean() ? chat("sys", "question " + random.nextInt(50)) : null;
            String id = balancer.choose(cs, body, exclude);
            if (!anyEligible) {
                assertThat(id).isNull();
                continue;
            }
            assertThat(id).isNotNull().isNotIn(exclude);
            Candidate chosen = cs.stream().filter(x -> x.id().equals(id)).findFirst().orElseThrow();
            assertThat(chosen.hasRoom()).isTrue();
        }
    }

    @Test
    void the_candidate_list_is_not_modified() {
        var cs = new ArrayList<>(List.of(c("a", 1, 4), c("b", 0, 4)));
        var copy = List.copyOf(cs);
        balancer().choose(cs, chat("s", "u"), Set.of());
        assertThat(cs).isEqualTo(copy);
    }
}
