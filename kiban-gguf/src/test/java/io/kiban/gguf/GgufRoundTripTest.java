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

class GgufRoundTripTest {

    @TempDir
    Path dir;

    @Test
    void reads_back_metadata_of_every_type() throws IOException {
        GgufWriter w = new GgufWriter()
                .put("u8", GgufValueType.UINT8, 255)
                .put("i8", GgufValueType.INT8, -128)
                .put("u16", GgufValueType.UINT16, 65_535)
                .put("i16", GgufValueType.INT16, -32_768)
                .putUint32("u32", 4_294_967_295L)
                .putInt32("i32", Integer.MIN_VALUE)
                .put("u64", GgufValueType.UINT64, -1L)
                .put("i64", GgufValueType.INT64, Long.MIN_VALUE)
                .putFloat32("f32", 1e-5f)
                .put("f64", GgufValueType.FLOAT64, Math.PI)
                .putBoolean("yes", true)
                .putBoolean("no", false)
                .putString("text", "héllo 日本 ▁x")
                .putString("empty", "")
                .putArray("strings", GgufValueType.STRING, List.of("<unk>", "▁the", "", "日本"))
                .putArray("ints", GgufValueType.INT32, List.of(1, -2, 3))
                .putArray("bytes", GgufValueType.UINT8, List.of(0, 255))
                .putArray("floats", GgufValueType.FLOAT32, List.of(0.5f, -1.25f))
                .putArray("doubles", GgufValueType.FLOAT64, List.of(0.1, 1e300))
                .putArray("bools", GgufValueType.BOOL, List.of(true, false))
                .putArray("none", GgufValueType.UINT64, List.of());
        Path file = dir.resolve("all.gguf");
        w.write(file);

        GgufFile f = GgufFile.read(file);

        assertThat(f.version()).isEqualTo(3);
        assertThat(f.metadata()).containsExactly(
                entry("u8", 255L), entry("i8", -128L), entry("u16", 65_535L), entry("i16", -32_768L),
                entry("u32", 4_294_967_295L), entry("i32", (long) Integer.MIN_VALUE), entry("u64", -1L),
                entry("i64", Long.MIN_VALUE), entry("f32", (double) 1e-5f), entry("f64", Math.PI),
                entry("yes", true), entry("no", false), entry("text", "héllo 日本 ▁x"), entry("empty", ""),
                entry("strings", List.of("<unk>", "▁the", "", "日本")), entry("ints", List.of(1L, -2L, 3L)),
                entry("bytes", List.of(0L, 255L)), entry("floats", List.of(0.5, -1.25)),
                entry("doubles", List.of(0.1, 1e300)), entry("bools", List.of(true, false)), entry("none", List.of()));
        assertThat(f.metadataType("u16")).isEqualTo(GgufValueType.UINT16);
        assertThat(f.metadataType("strings")).isEqualTo(GgufValueType.ARRAY);
        assertThat(f.arrayElementType("strings")).isEqualTo(GgufValueType.STRING);
        assertThat(f.arrayElementType("text")).isNull();
        assertThat(f.arrayLength("ints")).isEqualTo(3);
        assertThat(f.arrayLength("text")).isEqualTo(-1);
        assertThat(f.tensors()).isEmpty();
        assertThat(f.fileSize()).isEqualTo(Files.size(file));
    }

    @Test
    void reads_back_tensor_infos_and_places_data_at_aligned_offsets() throws IOException {
        float[] a = {1, 2, 3, 4, 5, 6};
        float[] b = {0.5f, -2f, 65_504f};
        Path file = dir.resolve("tensors.gguf");
        new GgufWriter()
                .putString("general.architecture", "test")
                .addTensor("a", new long[] {3, 2}, a)
                .addTensor("b", GgmlType.F16, new long[] {3}, b)
                .addTensor("c", GgmlType.F16, new long[] {1, 1, 1, 1, 1}, new float[] {7})
                .write(file);

        GgufFile f = GgufFile.read(file);

        assertThat(f.alignment()).isEqualTo(32);
        assertThat(f.dataOffset() % 32).isZero();
        assertThat(f.tensors()).containsExactly(
                new GgufTensorInfo("a", List.of(3L, 2L), GgmlType.F32, 0),
                new GgufTensorInfo("b", List.of(3L), GgmlType.F16, 32),
                new GgufTensorInfo("c", List.of(1L, 1L, 1L, 1L, 1L), GgmlType.F16, 64));
        assertThat(f.tensor("b").byteSize()).isEqualTo(6);
        assertThat(f.parameterCount()).isEqualTo(10);
        ByteBuffer data = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(data.getFloat((int) (f.dataOffset() + 5 * 4))).isEqualTo(6f);
        assertThat(Float.float16ToFloat(data.getShort((int) (f.dataOffset() + 32 + 4)))).isEqualTo(65_504f);
        assertThat(Files.size(file)).isEqualTo(f.dataOffset() + 64 + 32);
    }

    @Test
    void honours_a_custom_alignment() throws IOException {
        Path file = dir.resolve("aligned.gguf");
        new GgufWriter()
                .putUint32(GgufFile.ALIGNMENT_KEY, 64)
                .addTensor("x", new long[] {3}, new float[3])
                .addTensor("y", new long[] {3}, new float[3])
                .write(file);

        GgufFile f = GgufFile.read(file);

        assertThat(f.alignment()).isEqualTo(64);
        assertThat(f.dataOffset() % 64).isZero();
        assertThat(f.tensor("y").offset()).isEqualTo(64);
    }

    @Test
    void leaves_arrays_over_the_limit_unread() throws IOException {
        Path file = dir.resolve("vocab.gguf");
        new GgufWriter()
                .putArray("tokenizer.ggml.tokens", GgufValueType.STRING, List.of("a", "b", "c"))
                .putArray("tokenizer.ggml.scores", GgufValueType.FLOAT32, List.of(0f, -1f, -2f))
                .putArray("small", GgufValueType.INT32, List.of(1, 2))
                .putString("after", "still read")
                .write(file);

        GgufFile f = GgufFile.read(file, 2);

        assertThat(f.metadata().get("tokenizer.ggml.tokens")).isEqualTo(new UnreadArray(GgufValueType.STRING, 3));
        assertThat(f.metadata().get("tokenizer.ggml.scores")).isEqualTo(new UnreadArray(GgufValueType.FLOAT32, 3));
        assertThat(f.metadata().get("small")).isEqualTo(List.of(1L, 2L));
        assertThat(f.getString("after")).isEqualTo("still read");
        assertThat(f.vocabSize()).isEqualTo(3);
        assertThat(f.arrayElementType("tokenizer.ggml.tokens")).isEqualTo(GgufValueType.STRING);
    }

    @Test
    void reads_values_and_arrays_larger_than_its_read_buffer() throws IOException {
        String template = "{{ x }}".repeat(30_000);
        List<String> tokens = java.util.stream.IntStream.range(0, 100_000).mapToObj(i -> "▁piece" + i).toList();
        Path file = dir.resolve("big.gguf");
        new GgufWriter()
                .putArray("tokenizer.ggml.tokens", GgufValueType.STRING, tokens)
                .putString("tokenizer.chat_template", template)
                .putArray("tokenizer.ggml.token_type", GgufValueType.INT32, tokens.stream().map(t -> 1).toList())
                .addTensor("t", new long[] {3}, new float[] {1, 2, 3})
                .write(file);

        GgufFile all = GgufFile.read(file);
        GgufFile skipped = GgufFile.read(file, 1000);

        assertThat(all.metadata().get("tokenizer.ggml.tokens")).isEqualTo(tokens);
        assertThat(all.chatTemplate()).contains(template);
        assertThat(skipped.chatTemplate()).contains(template);
        assertThat(skipped.metadata().get("tokenizer.ggml.token_type"))
                .isEqualTo(new UnreadArray(GgufValueType.INT32, 100_000));
        assertThat(skipped.tensors()).isEqualTo(all.tensors());
        assertThat(skipped.dataOffset()).isEqualTo(all.dataOffset());
    }

    @Test
    void materialised_values_cannot_be_modified() throws IOException {
        GgufFile f = LlamaFileTypeTest.read(new GgufWriter().putArray("l", GgufValueType.INT32, List.of(1)));
        assertThatThrownBy(() -> f.metadata().put("x", 1)).isInstanceOf(UnsupportedOperationException.class);
        @SuppressWarnings("unchecked")
        List<Object> list = (List<Object>) f.metadata().get("l");
        assertThatThrownBy(() -> list.set(0, 2L)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void refuses_values_that_do_not_fit_their_type() {
        GgufWriter w = new GgufWriter();
        assertThatThrownBy(() -> w.put("k", GgufValueType.UINT8, 256)).hasMessageContaining("not a valid UINT8");
        assertThatThrownBy(() -> w.putUint32("k", -1)).hasMessageContaining("not a valid UINT32");
        assertThatThrownBy(() -> w.put("k", GgufValueType.INT32, 1.5)).hasMessageContaining("not a valid INT32");
        assertThatThrownBy(() -> w.putArray("k", GgufValueType.STRING, List.of("a", 1)))
                .hasMessageContaining("not a valid STRING");
        assertThatThrownBy(() -> w.putUint32(GgufFile.ALIGNMENT_KEY, 48)).hasMessageContaining("power of two");
        w.putString("k", "v");
        assertThatThrownBy(() -> w.putString("k", "again")).hasMessageContaining("duplicate");
        assertThatThrownBy(() -> w.addTensor("t", new long[] {2, 2}, new float[3])).hasMessageContaining("3 values");
        assertThatThrownBy(() -> w.addTensor("q", GgmlType.Q8_0, new long[] {16}, new byte[17]))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static java.util.Map.Entry<String, Object> entry(String key, Object value) {
        return java.util.Map.entry(key, value);
    }
}
