package io.kiban.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Random damage to a valid file: the reader must either read it or throw {@link GgufException}, and never allocate
 * more than a small multiple of the file size whatever the damaged counts and lengths claim.
 */
class GgufFuzzTest {

    private static final int ITERATIONS = 5_000;
    private static final long SEED = 20_261_122L;
    /** Interesting values for damaged 8-byte counts and lengths. */
    private static final long[] LONGS = {0, 1, -1, -8, 1L << 20, (1L << 20) + 1, 1L << 24, (1L << 24) + 1, 1L << 31,
        1L << 32, 1L << 62, Long.MAX_VALUE, Long.MIN_VALUE, 65_536, 65_537};
    /** Interesting values for damaged 4-byte type tags and dimension counts. */
    private static final int[] INTS = {0, 1, 7, 8, 9, 12, 13, 31, 39, 40, 41, 42, 43, 255, -1, Integer.MIN_VALUE};

    private final com.sun.management.ThreadMXBean threads =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    @Test
    void damaged_files_give_only_gguf_exceptions_and_bounded_allocations() throws IOException {
        byte[] valid = validFile();
        assertThat(read(valid).tensors()).hasSize(4);
        RandomGenerator random = new Random(SEED);
        int readable = 0;
        for (int i = 0; i < ITERATIONS; i++) {
            byte[] damaged = damage(valid, random);
            long before = threads.getCurrentThreadAllocatedBytes();
            try {
                read(damaged);
                readable++;
            } catch (GgufException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            } catch (Throwable t) {
                fail("iteration " + i + " (seed " + SEED + ") threw " + t, t);
            }
            long allocated = threads.getCurrentThreadAllocatedBytes() - before;
            // Steady state is about 25 KB for this 2 KB file; the first reads also load classes (up to ~0.4 MB).
            if (allocated > 1_000_000 + 64L * damaged.length) {
                fail("iteration " + i + " (seed " + SEED + ") allocated " + allocated + " bytes for a file of "
                        + damaged.length);
            }
        }
        // Both outcomes must occur, or the damage is too mild or too harsh to test anything.
        assertThat(readable).isBetween(ITERATIONS / 50, ITERATIONS - ITERATIONS / 50);
    }

    private static byte[] damage(byte[] valid, RandomGenerator random) {
        byte[] b = valid.clone();
        int kind = random.nextInt(6);
        switch (kind) {
            case 0 -> {
                for (int n = 1 + random.nextInt(8); n > 0; n--) {
                    b[random.nextInt(b.length)] = (byte) random.nextInt(256);
                }
            }
            case 1 -> b = Arrays.copyOf(b, random.nextInt(b.length));
            case 2 -> put(b, random.nextInt(b.length - 8), LONGS[random.nextInt(LONGS.length)], 8);
            case 3 -> put(b, random.nextInt(b.length - 4), INTS[random.nextInt(INTS.length)], 4);
            case 4 -> {
                int at = random.nextInt(b.length);
                int n = 1 + random.nextInt(16);
                byte[] grown = new byte[b.length + n];
                System.arraycopy(b, 0, grown, 0, at);
                byte[] inserted = new byte[n];
                random.nextBytes(inserted);
                System.arraycopy(inserted, 0, grown, at, n);
                System.arraycopy(b, at, grown, at + n, b.length - at);
                b = grown;
            }
            default -> {
                int bit = random.nextInt(b.length * 8);
                b[bit / 8] ^= (byte) (1 << (bit % 8));
            }
        }
        return b;
    }

    private static void put(byte[] b, int at, long value, int width) {
        for (int i = 0; i < width; i++) {
            b[at + i] = (byte) (value >>> (8 * i));
        }
    }

    /** A small file with every kind of structure the reader parses. */
    private static byte[] validFile() throws IOException {
        List<String> tokens = IntStream.range(0, 40).mapToObj(i -> "▁tok" + i).toList();
        GgufWriter w = new GgufWriter()
                .putString("general.architecture", "llama")
                .putUint32(GgufFile.ALIGNMENT_KEY, 32)
                .putUint32("llama.context_length", 2048)
                .putFloat32("llama.attention.layer_norm_rms_epsilon", 1e-5f)
                .putBoolean("tokenizer.ggml.add_bos_token", true)
                .put("general.size", GgufValueType.UINT64, 123_456_789L)
                .putArray("tokenizer.ggml.tokens", GgufValueType.STRING, tokens)
                .putArray("tokenizer.ggml.scores", GgufValueType.FLOAT32, IntStream.range(0, 40)
                        .mapToObj(i -> (float) -i).toList())
                .putArray("tokenizer.ggml.token_type", GgufValueType.INT32, IntStream.range(0, 40)
                        .mapToObj(i -> 1).toList())
                .putArray("flags", GgufValueType.BOOL, List.of(true, false, true))
                .putString("tokenizer.chat_template", "{% for m in messages %}{{ m.content }}{% endfor %}");
        w.addTensor("token_embd.weight", GgmlType.F16, new long[] {8, 4}, new float[32]);
        w.addTensor("output_norm.weight", new long[] {8}, new float[8]);
        w.addTensor("blk.0.attn_q.weight", GgmlType.Q8_0, new long[] {32, 2}, new byte[68]);
        w.addTensor("blk.0.ffn_up.weight", GgmlType.Q4_K, new long[] {256}, new byte[144]);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        w.write(out);
        return out.toByteArray();
    }

    private static GgufFile read(byte[] bytes) throws IOException {
        return GgufFile.read(new ByteArrayChannel(bytes), GgufFile.MAX_ARRAY_ELEMENTS);
    }
}
