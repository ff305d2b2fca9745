package io.kiban.bench.workload;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.bench.sim.SimTokenizer;
import java.util.List;
import org.junit.jupiter.api.Test;

class WorkloadTest {

    @Test
    void filler_text_has_exactly_the_requested_simulator_tokens() {
        assertThat(SimTokenizer.count(FillerText.words(5, 1234))).isEqualTo(1234);
        assertThat(FillerText.words(5, 10)).isEqualTo(FillerText.words(5, 10));
        assertThat(FillerText.words(5, 10)).isNotEqualTo(FillerText.words(6, 10));
        assertThat(SimTokenizer.count(FillerText.blocks(new long[] {1, 2, 3}, 512, 1300))).isEqualTo(1300);
    }

    @Test
    void prompts_sharing_leading_hash_ids_share_a_text_prefix() {
        String a = FillerText.blocks(new long[] {7, 8}, 512, 1024);
        String b = FillerText.blocks(new long[] {7, 9}, 512, 1024);
        String firstBlock = FillerText.blocks(new long[] {7}, 512, 512);
        assertThat(a).startsWith(firstBlock + " ");
        assertThat(b).startsWith(firstBlock + " ");
        assertThat(a).isNotEqualTo(b);
    }

    @Test
    void trace_workload_caps_lengths_and_keeps_offsets() {
        TraceWorkload w = new TraceWorkload(List.of(new TraceRow(0, 5000, 300, null), new TraceRow(2_000_000_000L, 20, 5, null)),
                100, 50);
        assertThat(w.timed()).isTrue();
        assertThat(SimTokenizer.count(w.prompt(0).text())).isEqualTo(100);
        assertThat(w.prompt(0).maxTokens()).isEqualTo(50);
        assertThat(SimTokenizer.count(w.prompt(1).text())).isEqualTo(20);
        assertThat(w.prompt(1).offsetNanos()).isEqualTo(2_000_000_000L);
        assertThat(w.prompt(2)).isNull();
        assertThat(w.meanRate()).isEqualTo(0.5);
    }

    @Test
    void bundled_qa_cycles_and_summarize_fits_the_context() {
        QaWorkload qa = QaWorkload.bundled(64);
        assertThat(qa.size()).isBetween(30L, 100L);
        assertThat(qa.prompt(qa.size()).text()).isEqualTo(qa.prompt(0).text());
        SummarizeWorkload s = SummarizeWorkload.bundled(2048, 256, 3.0);
        assertThat(s.promptChars()).isBetween(4000, (2048 - 256) * 3);
        assertThat(s.prompt(0).text()).startsWith(SummarizeWorkload.INSTRUCTION + "First Citizen:");
        assertThat(s.shrunk(0.5).promptChars()).isLessThan(s.promptChars() * 6 / 10);
        assertThat(SummarizeWorkload.bundled(1_000_000, 256, 3.0).promptChars()).isGreaterThan(39_000);
    }
}
