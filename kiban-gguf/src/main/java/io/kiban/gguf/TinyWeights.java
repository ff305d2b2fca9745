package io.kiban.gguf;

import java.util.Arrays;
import java.util.Random;

/**
 * The pseudo-random tensors of a {@link TinyLlama} model, with the reserved hidden dimension that keeps forbidden
 * tokens from ever being sampled (see {@link TinyLlama}'s implementation notes).
 *
 * <p>Matrices are F16 and are described as {@code rows x cols} with each row the weights of one output; GGUF
 * dimensions are {@code [cols, rows]}. Norm weights are F32, as llama.cpp expects of 1-D tensors.
 */
final class TinyWeights {

    /** The standard deviation of random logits of generatable tokens, before the final norm's scaling. */
    private static final double LOGIT_SCALE = 3.0;

    private final TinyLlama.Options options;
    private final TinyVocabulary vocab;
    private final int d;
    private final int ffn;
    private final int reserved;
    private final Random random;

    TinyWeights(TinyLlama.Options options, TinyVocabulary vocab, int ffn) {
        this.options = options;
        this.vocab = vocab;
        this.d = options.embeddingLength();
        this.ffn = ffn;
        this.reserved = d - 1;
        this.random = new Random(options.seed());
    }

    void addTo(GgufWriter w) {
        int v = vocab.size();
        w.addTensor("token_embd.weight", GgmlType.F16, new long[] {d, v}, embeddings(v));
        w.addTensor("output_norm.weight", GgmlType.F32, new long[] {d}, filled(d, 1f));
        w.addTensor("output.weight", GgmlType.F16, new long[] {d, v}, output(v));
        for (int layer = 0; layer < options.blockCount(); layer++) {
            String p = "blk." + layer + ".";
            w.addTensor(p + "attn_norm.weight", GgmlType.F32, new long[] {d}, inputNorm());
            w.addTensor(p + "attn_q.weight", GgmlType.F16, new long[] {d, d}, matrix(d, d, 1));
            w.addTensor(p + "attn_k.weight", GgmlType.F16, new long[] {d, d}, matrix(d, d, 1));
            w.addTensor(p + "attn_v.weight", GgmlType.F16, new long[] {d, d}, matrix(d, d, 1));
            w.addTensor(p + "attn_output.weight", GgmlType.F16, new long[] {d, d}, zeroReservedRow(matrix(d, d, 1)));
            w.addTensor(p + "ffn_norm.weight", GgmlType.F32, new long[] {d}, inputNorm());
            w.addTensor(p + "ffn_gate.weight", GgmlType.F16, new long[] {d, ffn}, matrix(ffn, d, 1));
            w.addTensor(p + "ffn_down.weight", GgmlType.F16, new long[] {ffn, d},
                    zeroReservedRow(matrix(d, ffn, 1)));
            w.addTensor(p + "ffn_up.weight", GgmlType.F16, new long[] {d, ffn}, matrix(ffn, d, 1));
        }
    }

    /** One row per token: random, with the constant in the reserved dimension. */
    private float[] embeddings(int v) {
        float[] e = matrix(v, d, Math.sqrt(d));
        for (int t = 0; t < v; t++) {
            e[t * d + reserved] = TinyLlama.RESERVED_VALUE;
        }
        return e;
    }

    /** One row per token: random on the free dimensions for generatable tokens, the fixed penalty for the rest. */
    private float[] output(int v) {
        float[] out = matrix(v, d, LOGIT_SCALE);
        for (int t = 0; t < v; t++) {
            if (vocab.generatable(t)) {
                out[t * d + reserved] = 0;
            } else {
                Arrays.fill(out, t * d, (t + 1) * d, 0f);
                boolean eos = t == TinyVocabulary.EOS && options.allowEos();
                out[t * d + reserved] = eos ? TinyLlama.EOS_WEIGHT : -TinyLlama.FORBIDDEN_WEIGHT;
            }
        }
        return out;
    }

    /** RMS-norm weights of a layer's inputs: 1, except 0 for the reserved dimension, which layers must not read. */
    private float[] inputNorm() {
        float[] g = filled(d, 1f);
        g[reserved] = 0;
        return g;
    }

    private float[] zeroReservedRow(float[] m) {
        int cols = m.length / d;
        Arrays.fill(m, reserved * cols, (reserved + 1) * cols, 0f);
        return m;
    }

    /** A rows x cols matrix of N(0, (scale / sqrt(cols))^2) entries: unit gain for unit-variance inputs. */
    private float[] matrix(int rows, int cols, double scale) {
        float[] m = new float[rows * cols];
        double sd = scale / Math.sqrt(cols);
        for (int i = 0; i < m.length; i++) {
            m[i] = (float) (random.nextGaussian() * sd);
        }
        return m;
    }

    private static float[] filled(int n, float value) {
        float[] a = new float[n];
        Arrays.fill(a, value);
        return a;
    }
}
