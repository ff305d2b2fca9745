package io.kiban.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TinyLlamaTest {

    @TempDir
    Path dir;

    @Test
    void writes_a_small_llama_model_with_the_requested_shape() throws IOException {
        Path file = dir.resolve("tiny.gguf");
        TinyLlama.write(file, TinyLlama.Options.defaults().withName("t").withContextLength(512).withBlockCount(1));

        GgufFile f = GgufFile.read(file);

        assertThat(Files.size(file)).isLessThan(1_000_000);
        assertThat(f.architecture()).isEqualTo("llama");
        assertThat(f.name()).isEqualTo("t");
        assertThat(f.contextLength()).isEqualTo(512);
        assertThat(f.embeddingLength()).isEqualTo(64);
        assertThat(f.blockCount()).isEqualTo(1);
        assertThat(f.quantization()).isEqualTo("F16");
        assertThat(f.tokenizerModel()).isEqualTo("llama");
        assertThat(f.bosTokenId()).isEqualTo(1);
        assertThat(f.eosTokenId()).isEqualTo(2);
        assertThat(f.addBosToken()).isTrue();
        assertThat(f.chatTemplate()).isEmpty();
        assertThat(f.vocabSize()).isEqualTo(TinyLlama.vocabulary().size());
        assertThat(f.tensors()).extracting(GgufTensorInfo::name).contains("token_embd.weight", "output.weight",
                "blk.0.attn_q.weight", "blk.0.ffn_down.weight").doesNotContain("blk.1.attn_q.weight");
    }

    @Test
    void writes_the_chat_template_when_asked() throws IOException {
        Path file = dir.resolve("chat.gguf");
        TinyLlama.write(file, TinyLlama.Options.defaults().withChatTemplate(TinyLlama.CHATML_TEMPLATE));
        assertThat(GgufFile.read(file).chatTemplate()).contains(TinyLlama.CHATML_TEMPLATE);
    }

    @Test
    void same_options_give_the_same_bytes_and_another_seed_other_weights() throws IOException {
        Path a = dir.resolve("a.gguf");
        Path b = dir.resolve("b.gguf");
        Path c = dir.resolve("c.gguf");
        TinyLlama.write(a);
        TinyLlama.write(b);
        TinyLlama.write(c, TinyLlama.Options.defaults().withSeed(7));
        assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
        assertThat(Files.readAllBytes(a)).isNotEqualTo(Files.readAllBytes(c));
    }

    @Test
    void has_the_special_and_byte_tokens_llama_cpp_needs() {
        List<String> v = TinyLlama.vocabulary();
        List<Integer> types = TinyVocabulary.build().types();
        assertThat(v.subList(0, 3)).containsExactly("<unk>", "<s>", "</s>");
        assertThat(types.subList(0, 3)).containsExactly(TinyVocabulary.UNKNOWN, TinyVocabulary.CONTROL,
                TinyVocabulary.CONTROL);
        for (int b = 0; b < 256; b++) {
            assertThat(v.get(3 + b)).isEqualTo(String.format(java.util.Locale.ROOT, "<0x%02X>", b));
            assertThat(types.get(3 + b)).isEqualTo(TinyVocabulary.BYTE);
        }
        assertThat(v).contains("▁", "a", "~", "▁the", "▁hello").doesNotHaveDuplicates();
        assertThat(v.size()).isBetween(600, 1000);
    }

    @Test
    void every_piece_is_reachable_by_merging_one_character_at_a_time() {
        List<String> v = TinyLlama.vocabulary();
        for (String piece : v.subList(3 + 256, v.size())) {
            for (int end = 1; end < piece.length(); end++) {
                assertThat(v).as("prefix of %s", piece).contains(piece.substring(0, end));
            }
        }
    }

    @Test
    void only_words_punctuation_and_newline_are_generatable() {
        TinyVocabulary vocab = TinyVocabulary.build();
        List<String> v = vocab.tokens();
        for (int t = 0; t < v.size(); t++) {
            String s = v.get(t);
            boolean word = s.length() > 1 && s.charAt(0) == '▁' && s.substring(1).chars().allMatch(Character::isLetter);
            if (vocab.generatable(t)) {
                assertThat(word || List.of(".", ",", "!", "?", "<0x0A>").contains(s)).as(s).isTrue();
            }
        }
        assertThat(vocab.generatable(v.indexOf("▁the"))).isTrue();
        assertThat(vocab.generatable(v.indexOf("▁th"))).isFalse();
        assertThat(vocab.generatable(TinyVocabulary.EOS)).isFalse();
        assertThat(vocab.generatable(v.indexOf("<0xFF>"))).isFalse();
    }

    @Test
    void layers_cannot_change_the_reserved_dimension_and_forbidden_tokens_are_pushed_down() throws IOException {
        Path file = dir.resolve("w.gguf");
        TinyLlama.write(file);
        GgufFile f = GgufFile.read(file);
        ByteBuffer data = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        int d = 64;
        int r = d - 1;
        TinyVocabulary vocab = TinyVocabulary.build();

        float[][] embd = matrix(f, data, "token_embd.weight");
        float[][] out = matrix(f, data, "output.weight");
        for (int t = 0; t < vocab.size(); t++) {
            assertThat(embd[t][r]).isEqualTo(TinyLlama.RESERVED_VALUE);
            if (vocab.generatable(t)) {
                assertThat(out[t][r]).isZero();
                // The final hidden state has length sqrt(64) = 8, so an allowed logit is at most 8 times this: 32.
                assertThat(length(out[t])).isLessThan(4.0);
            } else {
                assertThat(out[t][r]).isEqualTo(-TinyLlama.FORBIDDEN_WEIGHT);
                for (int i = 0; i < r; i++) {
                    assertThat(out[t][i]).isZero();
                }
            }
        }
        for (String writer : List.of("blk.0.attn_output.weight", "blk.1.ffn_down.weight")) {
            assertThat(matrix(f, data, writer)[r]).containsOnly(0f);
        }
        assertThat(vector(f, data, "blk.0.attn_norm.weight")[r]).isZero();
        assertThat(vector(f, data, "blk.1.ffn_norm.weight")[r]).isZero();
    }

    @Test
    void gives_eos_a_moderate_weight_when_allowed() throws IOException {
        Path file = dir.resolve("eos.gguf");
        TinyLlama.write(file, TinyLlama.Options.defaults().withAllowEos(true));
        GgufFile f = GgufFile.read(file);
        ByteBuffer data = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(matrix(f, data, "output.weight")[TinyVocabulary.EOS][63]).isEqualTo(TinyLlama.EOS_WEIGHT, within());
    }

    @Test
    void rejects_impossible_shapes() {
        TinyLlama.Options o = TinyLlama.Options.defaults();
        assertThatThrownBy(() -> o.withEmbeddingLength(60)).hasMessageContaining("multiple of 2 * headCount");
        assertThatThrownBy(() -> o.withBlockCount(0)).hasMessageContaining("blockCount");
        assertThatThrownBy(() -> o.withContextLength(8)).hasMessageContaining("contextLength");
        assertThatThrownBy(() -> o.withName(null)).isInstanceOf(NullPointerException.class);
    }

    private static double length(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }

    private static org.assertj.core.data.Offset<Float> within() {
        return org.assertj.core.data.Offset.offset(1e-3f);
    }

    /** An F16 matrix as rows x cols, where the GGUF dimensions are [cols, rows]. */
    private static float[][] matrix(GgufFile f, ByteBuffer data, String name) {
        GgufTensorInfo t = f.tensor(name);
        assertThat(t.type()).isEqualTo(GgmlType.F16);
        int cols = t.dimensions().get(0).intValue();
        int rows = t.dimensions().get(1).intValue();
        float[][] m = new float[rows][cols];
        int base = (int) (f.dataOffset() + t.offset());
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                m[i][j] = Float.float16ToFloat(data.getShort(base + 2 * (i * cols + j)));
            }
        }
        return m;
    }

    private static float[] vector(GgufFile f, ByteBuffer data, String name) {
        GgufTensorInfo t = f.tensor(name);
        assertThat(t.type()).isEqualTo(GgmlType.F32);
        float[] v = new float[t.dimensions().get(0).intValue()];
        for (int i = 0; i < v.length; i++) {
            v[i] = data.getFloat((int) (f.dataOffset() + t.offset()) + 4 * i);
        }
        return v;
    }
}
