package io.kiban.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufFileTest {

    @Test
    void rejects_a_file_that_is_not_gguf() {
        assertFails(new byte[] {'G', 'G'}).hasMessageContaining("not a GGUF file: it has only 2 bytes");
        assertFails(new GgufBytes().raw('P', 'K', 3, 4).u32(3).bytes())
                .hasMessageContaining("starts with 0x504b0304 instead of \"GGUF\"");
    }

    @Test
    void rejects_big_endian_files_with_a_clear_message() {
        byte[] bigEndian = new GgufBytes().raw('G', 'G', 'U', 'F', 0, 0, 0, 3).zeros(16).bytes();
        assertFails(bigEndian).hasMessageContaining("big-endian GGUF file").hasMessageContaining("little-endian");
    }

    @Test
    void rejects_versions_other_than_2_and_3() {
        assertFails(new GgufBytes().raw('G', 'G', 'U', 'F').u32(1).zeros(16).bytes())
                .hasMessageContaining("version 1 is not supported");
        assertFails(new GgufBytes().raw('G', 'G', 'U', 'F').u32(4).zeros(16).bytes())
                .hasMessageContaining("unsupported GGUF version 4");
    }

    @Test
    void reads_version_2_files() throws IOException {
        byte[] v2 = new GgufBytes().raw('G', 'G', 'U', 'F').u32(2).u64(0).u64(1).u32Entry("a", 7).bytes();
        GgufFile f = read(v2);
        assertThat(f.version()).isEqualTo(2);
        assertThat(f.getLong("a")).isEqualTo(7);
    }

    @Test
    void reports_a_truncated_header() {
        assertFails(new GgufBytes().raw('G', 'G', 'U', 'F').u32(3).u64(0).bytes())
                .hasMessageContaining("truncated file: metadata entry count needs 8 bytes but only 0 remain")
                .satisfies(e -> assertThat(((GgufException) e).offset()).isEqualTo(16));
    }

    @Test
    void rejects_counts_that_the_file_cannot_hold() {
        assertFails(GgufBytes.header(0, 1000).bytes())
                .hasMessageContaining("1000 metadata entries and 0 tensor infos needs 13000 bytes");
        assertFails(GgufBytes.header(65_537, 0).bytes()).hasMessageContaining("tensor count 65537 exceeds the limit");
        assertFails(GgufBytes.header(-1, 0).bytes())
                .hasMessageContaining("tensor count 18446744073709551615 exceeds the limit");
        assertFails(GgufBytes.header(0, (1L << 20) + 1).bytes()).hasMessageContaining("metadata entry count");
    }

    @Test
    void names_the_key_whose_value_type_is_unknown() {
        byte[] bytes = GgufBytes.header(0, 2).u32Entry("ok", 1).str("general.weird").u32(13).zeros(8).bytes();
        assertFails(bytes).hasMessageContaining("metadata key 'general.weird': unknown value type 13 (at byte offset 63)");
    }

    @Test
    void rejects_over_long_strings_and_arrays() {
        assertFails(GgufBytes.header(0, 1).str("k").u32(8).u64((1 << 20) + 1).zeros(64).bytes())
                .hasMessageContaining("metadata key 'k': string value length 1048577 exceeds the limit of 1048576");
        assertFails(GgufBytes.header(0, 1).str("k").u32(8).u64(100).zeros(10).bytes())
                .hasMessageContaining("metadata key 'k': truncated file: string value needs 100 bytes but only 10");
        assertFails(GgufBytes.header(0, 1).str("k").u32(9).u32(4).u64((1 << 24) + 1).zeros(64).bytes())
                .hasMessageContaining("array length 16777217 exceeds the limit of 16777216 elements");
        assertFails(GgufBytes.header(0, 1).str("k").u32(9).u32(8).u64(1_000_000).zeros(64).bytes())
                .hasMessageContaining("array of 1000000 STRING needs 8000000 bytes but only 64 remain");
    }

    @Test
    void names_the_array_element_that_is_broken() {
        byte[] bytes = GgufBytes.header(0, 1).str("tokens").u32(9).u32(8).u64(3)
                .str("a").str("b").u64(-5).zeros(30).bytes();
        assertFails(bytes).hasMessageContaining("metadata key 'tokens': element 2: string length 18446744073709551611");
    }

    @Test
    void rejects_nested_arrays_bad_booleans_and_duplicate_keys() {
        assertFails(GgufBytes.header(0, 1).str("k").u32(9).u32(9).u64(0).bytes())
                .hasMessageContaining("nested arrays are not supported");
        assertFails(GgufBytes.header(0, 1).str("k").u32(7).raw(2).bytes()).hasMessageContaining("invalid BOOL value 2");
        assertFails(GgufBytes.header(0, 2).u32Entry("k", 1).u32Entry("k", 2).bytes())
                .hasMessageContaining("metadata key 'k': duplicate key");
    }

    @Test
    void rejects_an_alignment_that_is_not_a_power_of_two() {
        assertFails(GgufBytes.header(0, 1).u32Entry(GgufFile.ALIGNMENT_KEY, 24).bytes())
                .hasMessageContaining("general.alignment must be a power of two");
    }

    @Test
    void checks_tensor_infos() {
        assertFails(tensor(9, 4, GgmlType.F32.id(), 0)).hasMessageContaining("tensor #0 't': dimension count 9 is outside 1..8");
        assertFails(tensor(1, 4, 99, 0)).hasMessageContaining("tensor #0 't': unknown ggml type 99");
        assertFails(tensor(1, 33, GgmlType.Q8_0.id(), 0))
                .hasMessageContaining("first dimension 33 is not a multiple of the Q8_0 block size 32");
        assertFails(tensor(1, 4, GgmlType.F32.id(), 8)).hasMessageContaining("data offset 8 is not a non-negative multiple");
        assertFails(tensor(1, 1000, GgmlType.F32.id(), 0))
                .hasMessageContaining("tensor #0 't': data at [64, 4064) extends past the end of the file");
        byte[] overflow = GgufBytes.header(1, 0).str("t").u32(2).u64(1L << 40).u64(1L << 40)
                .u32(0).u64(0).zeros(64).bytes();
        assertFails(overflow).hasMessageContaining("element count overflows 64 bits");
    }

    @Test
    void gives_the_plain_io_error_for_a_missing_file(@TempDir Path dir) {
        assertThatThrownBy(() -> GgufFile.read(dir.resolve("missing.gguf"))).isInstanceOf(NoSuchFileException.class);
    }

    @Test
    void answers_model_questions_from_metadata() throws IOException {
        GgufFile f = LlamaFileTypeTest.read(new GgufWriter()
                .putString("general.architecture", "qwen2")
                .putString("general.name", "Tiny")
                .putUint32("qwen2.context_length", 32_768)
                .putUint32("qwen2.embedding_length", 896)
                .putUint32("qwen2.block_count", 24)
                .putUint32("qwen2.pooling_type", 1)
                .putString("tokenizer.ggml.model", "gpt2")
                .putString("tokenizer.ggml.pre", "qwen2")
                .putUint32("tokenizer.ggml.bos_token_id", 151_643)
                .putUint32("tokenizer.ggml.eos_token_id", 151_645)
                .putString("tokenizer.chat_template", "{{ messages }}")
                .putArray("tokenizer.ggml.tokens", GgufValueType.STRING, List.of("a", "b")));

        assertThat(f.architecture()).isEqualTo("qwen2");
        assertThat(f.name()).isEqualTo("Tiny");
        assertThat(f.contextLength()).isEqualTo(32_768);
        assertThat(f.embeddingLength()).isEqualTo(896);
        assertThat(f.blockCount()).isEqualTo(24);
        assertThat(f.poolingType()).isEqualTo(1);
        assertThat(f.tokenizerModel()).isEqualTo("gpt2");
        assertThat(f.bosTokenId()).isEqualTo(151_643);
        assertThat(f.eosTokenId()).isEqualTo(151_645);
        assertThat(f.chatTemplate()).contains("{{ messages }}");
        assertThat(f.addBosToken()).isFalse();
        assertThat(f.vocabSize()).isEqualTo(2);
    }

    @Test
    void has_nulls_for_what_a_file_does_not_say() throws IOException {
        GgufFile f = LlamaFileTypeTest.read(new GgufWriter().putUint32("general.architecture", 5));
        assertThat(f.architecture()).isNull();
        assertThat(f.name()).isNull();
        assertThat(f.contextLength()).isNull();
        assertThat(f.poolingType()).isNull();
        assertThat(f.bosTokenId()).isNull();
        assertThat(f.chatTemplate()).isEmpty();
        assertThat(f.vocabSize()).isEqualTo(-1);
        assertThat(f.parameterCount()).isZero();
    }

    @Test
    void defaults_add_bos_token_as_llama_cpp_does() throws IOException {
        assertThat(addBos(new GgufWriter().putString("tokenizer.ggml.model", "llama"))).isTrue();
        assertThat(addBos(new GgufWriter().putString("tokenizer.ggml.model", "bert"))).isTrue();
        assertThat(addBos(new GgufWriter().putString("tokenizer.ggml.model", "t5"))).isFalse();
        assertThat(addBos(new GgufWriter().putString("tokenizer.ggml.model", "gpt2")
                .putString("tokenizer.ggml.pre", "llama-bpe"))).isTrue();
        assertThat(addBos(new GgufWriter().putString("tokenizer.ggml.model", "gpt2"))).isFalse();
        assertThat(addBos(new GgufWriter().putString("tokenizer.ggml.model", "llama")
                .putBoolean("tokenizer.ggml.add_bos_token", false))).isFalse();
        assertThat(addBos(new GgufWriter().putString("tokenizer.ggml.model", "gpt2")
                .putBoolean("tokenizer.ggml.add_bos_token", true))).isTrue();
    }

    private static boolean addBos(GgufWriter w) throws IOException {
        return LlamaFileTypeTest.read(w).addBosToken();
    }

    /** A file with one tensor 't' of one or more dimensions of the given size, padded to 64 bytes. */
    private static byte[] tensor(int dims, long size, int type, long offset) {
        GgufBytes b = GgufBytes.header(1, 0).str("t").u32(dims);
        for (int i = 0; i < Math.min(dims, 8); i++) {
            b.u64(i == 0 ? size : 1);
        }
        b.u32(type).u64(offset);
        return b.zeros(Math.max(0, 64 - b.size())).bytes();
    }

    private static GgufFile read(byte[] bytes) throws IOException {
        return GgufFile.read(new ByteArrayChannel(bytes), GgufFile.MAX_ARRAY_ELEMENTS);
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> assertFails(byte[] bytes) {
        return assertThatThrownBy(() -> read(bytes)).isInstanceOf(GgufException.class);
    }
}
