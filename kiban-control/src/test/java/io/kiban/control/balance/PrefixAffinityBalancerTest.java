package io.kiban.control.balance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PrefixAffinityBalancerTest extends BalancerContract {

    private static final double C = PrefixAffinityBalancer.Options.DEFAULTS.loadFactor();

    @Override
    Balancer balancer() {
        return new PrefixAffinityBalancer(PrefixAffinityBalancer.Options.DEFAULTS, new SplittableRandom(42));
    }

    private static List<Candidate> idle(int n) {
        var cs = new ArrayList<Candidate>();
        for (int i = 0; i < n; i++) {
            cs.add(c("replica-" + i, 0, 0));
        }
        return cs;
    }

    private static byte[] conversation(int i) {
        return chat("You are a helpful assistant.", "conversation " + i + " opens with this question");
    }

    @Test
    void equal_prefixes_go_to_the_same_replica() {
        Balancer b = balancer();
        var cs = List.of(c("a", 2, 8), c("b", 2, 8), c("c", 2, 8), c("d", 2, 8));
        for (int i = 0; i < 50; i++) {
            String first = b.choose(cs, conversation(i), Set.of());
            assertThat(b.choose(cs, conversation(i), Set.of())).isEqualTo(first);
            assertThat(new PrefixAffinityBalancer().choose(cs, conversation(i), Set.of()))
                    .as("another balancer (another gateway) agrees").isEqualTo(first);
        }
    }

    @Test
    void the_turns_of_a_conversation_stay_on_one_replica() {
        Balancer b = balancer();
        var cs = idle(6);
        var used = new HashMap<String, Integer>();
        for (int i = 0; i < 40; i++) {
            String opening = "conversation " + i;
            String turn1 = "{\"messages\":[{\"role\":\"system\",\"content\":\"sys\"},{\"role\":\"user\",\"content\":\""
                    + opening + "\"}]}";
            String turn2 = turn1.replace("]}", ",{\"role\":\"assistant\",\"content\":\"answer " + i
                    + "\"},{\"role\":\"user\",\"content\":\"follow-up\"}]}");
            String r1 = b.choose(cs, turn1.getBytes(), Set.of());
            assertThat(b.choose(cs, turn2.getBytes(), Set.of())).isEqualTo(r1);
            used.merge(r1, 1, Integer::sum);
        }
        assertThat(used).as("conversations behind one system prompt still spread").hasSizeGreaterThan(3);
    }

    @Test
    void different_prefixes_spread_evenly_over_replicas() {
        Balancer b = balancer();
        int replicas = 8;
        int keys = 40_000;
        var cs = idle(replicas);
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < keys; i++) {
            counts.merge(b.choose(cs, conversation(i), Set.of()), 1, Integer::sum);
        }
        double expected = (double) keys / replicas;
        double chi2 = counts.values().stream().mapToDouble(n -> (n - expected) * (n - expected) / expected).sum();
        System.out.printf("prefix spread over %d replicas: %s, chi2 %.1f%n", replicas, counts, chi2);
        assertThat(counts).hasSize(replicas);
        // The ring's arcs are not exactly equal (256 points per replica: about ±6 % rms per share), so a pure
        // chi-square test at 7 degrees of freedom would fail by design; bound each share and the statistic instead.
        assertThat(counts.values()).allSatisfy(n -> assertThat(n / expected).isBetween(0.85, 1.15));
        assertThat(chi2).isLessThan(0.02 * keys);
    }

    @Test
    void load_stays_bounded_while_one_prefix_is_hammered() {
        Balancer b = balancer();
        int n = 5;
        var load = new int[n];
        var random = new SplittableRandom(3);
        byte[] hot = conversation(7);
        for (int step = 0; step < 5_000; step++) {
            var cs = new ArrayList<Candidate>();
            for (int i = 0; i < n; i++) {
                cs.add(c("r" + i, load[i], 0));
            }
            if (step % 3 == 2) { // a request finishes somewhere now and then
                int i = random.nextInt(n);
                load[i] = Math.max(0, load[i] - 1);
                continue;
            }
            String id = b.choose(cs, hot, Set.of());
            load[Integer.parseInt(id.substring(1))]++;
            long total = 0;
            int max = 0;
            for (int l : load) {
                total += l;
                max = Math.max(max, l);
            }
            assertThat(max).as("step %d, loads %s", step, Arrays.toString(load))
                    .isLessThanOrEqualTo((int) Math.ceil(C * total / n) + 1);
        }
    }

    @Test
    void a_hot_prefix_spills_in_ring_order_so_the_same_replicas_warm_it() {
        Balancer b = balancer();
        byte[] hot = conversation(11);
        var cs = idle(6);
        String home = b.choose(cs, hot, Set.of());
        // the home replica is over the bound: the next one on the ring, the same every time
        var loaded = new ArrayList<Candidate>();
        for (Candidate x : cs) {
            loaded.add(x.id().equals(home) ? c(home, 10, 0) : x);
        }
        String spill = b.choose(loaded, hot, Set.of());
        assertThat(spill).isNotEqualTo(home);
        assertThat(b.choose(loaded, hot, Set.of())).isEqualTo(spill);
        assertThat(b.choose(idle(6), hot, Set.of(home))).as("excluding home also spills there").isEqualTo(spill);
        var full = new ArrayList<Candidate>();
        for (Candidate x : cs) {
            full.add(x.id().equals(home) ? c(home, 4, 4) : c(x.id(), 0, 4));
        }
        assertThat(b.choose(full, hot, Set.of())).as("a full home spills there too").isEqualTo(spill);
    }

    @Test
    void adding_or_removing_a_replica_moves_only_its_share_of_prefixes() {
        Balancer b = balancer();
        int keys = 6_000;
        var ten = idle(10);
        var before = new String[keys];
        for (int i = 0; i < keys; i++) {
            before[i] = b.choose(ten, conversation(i), Set.of());
        }
        var eleven = new ArrayList<>(ten);
        eleven.add(c("replica-new", 0, 0));
        int moved = 0;
        for (int i = 0; i < keys; i++) {
            String after = b.choose(eleven, conversation(i), Set.of());
            if (!after.equals(before[i])) {
                moved++;
                assertThat(after).as("a moved prefix moves to the new replica").isEqualTo("replica-new");
            }
        }
        assertThat((double) moved / keys).as("share moved on add").isBetween(0.5 / 11, 1.5 / 11);

        var nine = new ArrayList<>(ten);
        Candidate removed = nine.remove(3);
        for (int i = 0; i < keys; i++) {
            String after = b.choose(nine, conversation(i), Set.of());
            if (!before[i].equals(removed.id())) {
                assertThat(after).as("a prefix not on the removed replica stays").isEqualTo(before[i]);
            }
        }
    }

    @Test
    void the_order_of_candidates_does_not_change_the_choice() {
        Balancer b = balancer();
        var cs = idle(7);
        var shuffled = new ArrayList<>(cs);
        Collections.shuffle(shuffled, new Random(5));
        for (int i = 0; i < 200; i++) {
            assertThat(b.choose(shuffled, conversation(i), Set.of())).isEqualTo(b.choose(cs, conversation(i), Set.of()));
        }
    }

    @Test
    void without_prompt_text_it_is_least_outstanding() {
        var cs = List.of(c("a", 3, 8), c("b", 1, 8), c("c", 2, 8));
        assertThat(balancer().choose(cs, null, Set.of())).isEqualTo("b");
        assertThat(balancer().choose(cs, "{\"model\":\"m\"}".getBytes(), Set.of())).isEqualTo("b");
    }

    @Test
    void options_are_validated() {
        assertThatThrownBy(() -> new PrefixAffinityBalancer.Options(0, 1.25, 10))
                .hasMessageContaining("prefixBytes");
        assertThatThrownBy(() -> new PrefixAffinityBalancer.Options(64, 1.0, 10))
                .hasMessageContaining("loadFactor");
    }
}
