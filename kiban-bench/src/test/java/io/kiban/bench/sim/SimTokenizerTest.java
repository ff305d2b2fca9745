package io.kiban.bench.sim;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SimTokenizerTest {

    @Test
    void counts_words_in_pieces_of_four_code_points() {
        assertThat(SimTokenizer.count("")).isZero();
        assertThat(SimTokenizer.count("   \n\t ")).isZero();
        assertThat(SimTokenizer.count("a")).isEqualTo(1);
        assertThat(SimTokenizer.count("abcd")).isEqualTo(1);
        assertThat(SimTokenizer.count("abcde")).isEqualTo(2);
        assertThat(SimTokenizer.count("hello there friend")).isEqualTo(2 + 2 + 2);
        assertThat(SimTokenizer.count("  the  cat\nsat ")).isEqualTo(3);
        assertThat(SimTokenizer.count("日本語です")).isEqualTo(2);
        assertThat(SimTokenizer.count("😀😀😀😀😀")).as("surrogate pairs are one code point").isEqualTo(2);
    }

    @Test
    void block_hashes_cover_only_complete_blocks() {
        assertThat(SimTokenizer.blockHashes("a b c", 4, 100)).isEmpty();
        assertThat(SimTokenizer.blockHashes("a b c d", 4, 100)).hasSize(1);
        assertThat(SimTokenizer.blockHashes("a b c d e f g h i", 4, 100)).hasSize(2);
        assertThat(SimTokenizer.blockHashes("a b c d e f g h i", 4, 1)).hasSize(1);
    }

    @Test
    void block_hashes_are_chained_so_only_shared_prefixes_match() {
        long[] x = SimTokenizer.blockHashes("one two three four five six seven eight", 4, 100);
        long[] sameStart = SimTokenizer.blockHashes("one two three four nine ten elevn twlv", 4, 100);
        long[] sameEnd = SimTokenizer.blockHashes("zero two three four five six seven eight", 4, 100);
        long[] spaced = SimTokenizer.blockHashes("one  two\nthree four five six seven eight", 4, 100);
        assertThat(sameStart[0]).isEqualTo(x[0]);
        assertThat(sameStart[1]).isNotEqualTo(x[1]);
        assertThat(sameEnd[1]).as("block 2 differs because block 1 differs").isNotEqualTo(x[1]);
        assertThat(spaced).as("whitespace is not a token").containsExactly(x);
    }

    @Test
    void long_words_hash_piece_by_piece() {
        // "abcdefgh" is two tokens, "abcd efgh" too, but they are different tokens sequences only by spacing,
        // which the tokenizer ignores: both are the pieces "abcd", "efgh".
        assertThat(SimTokenizer.blockHashes("abcdefgh", 2, 10)).containsExactly(SimTokenizer.blockHashes("abcd efgh", 2, 10));
        assertThat(SimTokenizer.blockHashes("abcdefgh", 2, 10)).doesNotContain(SimTokenizer.blockHashes("abce efgh", 2, 10));
    }
}
