package io.kiban.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.bench.http.ByteSink;
import java.util.List;
import org.junit.jupiter.api.Test;

class SimOutputTest {

    private static String text(SimOutput out) {
        ByteSink b = new ByteSink(64);
        out.appendAll(b);
        return b.toString();
    }

    @Test
    void output_of_n_tokens_retokenizes_to_n_tokens() {
        assertThat(SimOutput.WORDS).hasSize(64).allMatch(w -> w.length() <= SimTokenizer.PIECE);
        for (int n : new int[] {0, 1, 5, 64, 1000}) {
            SimOutput out = SimOutput.plan(n, 7, 0, List.of());
            assertThat(SimTokenizer.count(text(out))).isEqualTo(n);
            assertThat(out.tokens()).isEqualTo(n);
        }
    }

    @Test
    void output_is_deterministic_and_seeded() {
        assertThat(text(SimOutput.plan(5, 0, 0, List.of()))).isEqualTo("the cat sat on a");
        assertThat(text(SimOutput.plan(5, 0, 0, List.of()))).isEqualTo(text(SimOutput.plan(5, 64, 0, List.of())));
        assertThat(text(SimOutput.plan(3, 1, 0, List.of()))).isEqualTo("cat sat on");
    }

    @Test
    void a_stop_sequence_cuts_the_text_before_it() {
        SimOutput out = SimOutput.plan(16, 0, 0, List.of("on a", "zzz"));
        assertThat(out.stopped()).isTrue();
        assertThat(text(out)).isEqualTo("the cat sat ");
        assertThat(out.tokens()).as("the, cat, sat and the start of ' on'").isEqualTo(4);
        assertThat(SimOutput.plan(16, 0, 0, List.of("zzz")).stopped()).isFalse();
    }

    @Test
    void chunk_bytes_pads_each_piece() {
        ByteSink b = new ByteSink(64);
        SimOutput out = SimOutput.plan(2, 0, 8, List.of());
        out.appendPiece(b, 0);
        assertThat(b.toString()).isEqualTo("thexxxxx");
        b.reset();
        out.appendPiece(b, 1);
        assertThat(b.toString()).isEqualTo(" catxxxx");
    }
}
