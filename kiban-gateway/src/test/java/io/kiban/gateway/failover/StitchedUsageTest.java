package io.kiban.gateway.failover;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StitchedUsageTest {

    @Test
    void the_reported_prompt_splits_the_continuations_total() {
        // Prompt 7; 3 tokens before the break; the continuation saw 7 + 3 = 10 prompt tokens and wrote 8.
        assertThat(StitchedUsage.of(7, 10, 8, 3)).isEqualTo(new StitchedUsage(7, 11));
    }

    @Test
    void without_a_reported_prompt_the_text_events_before_the_break_are_taken_off_the_continuations_prompt() {
        assertThat(StitchedUsage.of(-1, 10, 8, 3)).isEqualTo(new StitchedUsage(7, 11));
    }

    @Test
    void text_that_re_tokenizes_differently_moves_tokens_between_before_and_after_but_keeps_the_total() {
        // 3 generated tokens that re-tokenize as 2: the continuation saw 9 prompt tokens.
        StitchedUsage u = StitchedUsage.of(7, 9, 8, 3);
        assertThat(u).isEqualTo(new StitchedUsage(7, 10));
        assertThat(u.totalTokens()).isEqualTo(9 + 8);
    }

    @Test
    void a_second_continuation_counts_from_the_original_prompt_too() {
        // 3 tokens from the first replica, 4 from the second, the third saw 7 + 7 and wrote 4.
        assertThat(StitchedUsage.of(7, 14, 4, 7)).isEqualTo(new StitchedUsage(7, 11));
    }

    @Test
    void inconsistent_reports_are_clamped_never_negative() {
        assertThat(StitchedUsage.of(50, 10, 8, 3)).isEqualTo(new StitchedUsage(18, 0));
        assertThat(StitchedUsage.of(-1, 2, 8, 5)).isEqualTo(new StitchedUsage(0, 10));
    }
}
