package io.kiban.gguf;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * A generator of tiny, valid llama-architecture GGUF models with pseudo-random weights that real llama.cpp loads
 * and runs, so that test suites need no downloaded model.
 *
 * <p>The default model is a 390 KB file that llama.cpp loads in about a quarter of a second. It has an
 * 800-token SentencePiece vocabulary (see TinyVocabulary) and always writes clean text: only whole lowercase
 * English words (each with its leading space), {@code . , ! ?} and newlines, never a control token, a byte token
 * that is not valid UTF-8 on its own, or (unless {@link Options#allowEos()}) the end-of-sequence token, at any
 * temperature. So generation runs to its token limit, and the number of tokens and the text are predictable.
 *
 * <p>Implementation notes: how the output is kept clean. The last hidden dimension {@code r} is reserved. Every
 * token embedding holds the constant {@link #RESERVED_VALUE} there, and every matrix that writes into the residual
 * stream (attention output and FFN down projections) has a zero row {@code r}, so no layer can change it; the
 * layers' input norms weigh {@code r} by zero, so no layer reads it either. After the final RMS norm the hidden
 * state therefore has a large positive component on {@code r} at every position. In the output matrix, every
 * forbidden token's row is zero except a large negative weight ({@code -}{@link #FORBIDDEN_WEIGHT}) on {@code r},
 * while generatable tokens have random weights and zero on {@code r}. At the default width of 64, the final norm
 * leaves a hidden state of length 8 with 4 to 5 of it on {@code r}, so forbidden logits come out below -160, while
 * an allowed logit can never exceed its row's length (under 4) times 8, i.e. 32, and is typically within 8 of
 * zero: no sampler setting can pick a forbidden token. With {@code allowEos}, the EOS row gets a moderate
 * positive weight ({@link #EOS_WEIGHT}) on {@code r} instead, so that it competes with the best words: generation
 * then usually ends within a few dozen tokens, though nothing guarantees it.
 *
 * <p>Greedy decoding is deterministic and not monotonous: it wanders through short cycles of different words
 * (e.g. " know take tree came walk world by girl…").
 */
public final class TinyLlama {

    /** The constant in the reserved dimension of every token embedding. */
    static final float RESERVED_VALUE = 8f;
    /** The negative weight of forbidden tokens on the reserved dimension. */
    static final float FORBIDDEN_WEIGHT = 40f;
    /** The weight of EOS on the reserved dimension when it is allowed. */
    static final float EOS_WEIGHT = 0.9f;

    /**
     * A ChatML chat template, for tests that need one: llama.cpp recognises it by {@code <|im_start|>}. Its markers
     * are not tokens of the tiny vocabulary, so they are tokenized as plain characters.
     */
    public static final String CHATML_TEMPLATE = "{% for message in messages %}"
            + "{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
            + "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    /**
     * What to generate.
     *
     * @param seed seeds the pseudo-random weights: the same options give the same file, byte for byte
     * @param embeddingLength the hidden width, a multiple of {@code 2 * headCount}, 8 to 1024
     * @param blockCount the number of layers, 1 to 8
     * @param headCount the number of attention heads (no grouped-query attention)
     * @param contextLength the training context length written to the file, 16 to 1,048,576
     * @param chatTemplate a Jinja chat template for {@code tokenizer.chat_template}, or null for none
     * @param name the model name ({@code general.name})
     * @param allowEos whether the model may end generation by itself; when false it always writes up to the limit
     */
    public record Options(long seed, int embeddingLength, int blockCount, int headCount, int contextLength,
            String chatTemplate, String name, boolean allowEos) {

        public Options {
            Objects.requireNonNull(name, "name");
            if (headCount < 1 || embeddingLength < 8 || embeddingLength > 1024
                    || embeddingLength % (2 * headCount) != 0) {
                throw new IllegalArgumentException("embeddingLength " + embeddingLength
                        + " must be 8 to 1024 and a multiple of 2 * headCount (" + headCount + ")");
            }
            if (blockCount < 1 || blockCount > 8) {
                throw new IllegalArgumentException("blockCount must be 1 to 8, not " + blockCount);
            }
            if (contextLength < 16 || contextLength > (1 << 20)) {
                throw new IllegalArgumentException("contextLength must be 16 to 1048576, not " + contextLength);
            }
        }

        /** Seed 42, 64 wide, 2 layers of 4 heads, 2048 tokens of context, no chat template, no EOS. */
        public static Options defaults() {
            return new Options(42, 64, 2, 4, 2048, null, "kiban-tiny-llama", false);
        }

        public Options withSeed(long value) {
            return new Options(value, embeddingLength, blockCount, headCount, contextLength, chatTemplate, name,
                    allowEos);
        }

        public Options withEmbeddingLength(int value) {
            return new Options(seed, value, blockCount, headCount, contextLength, chatTemplate, name, allowEos);
        }

        public Options withBlockCount(int value) {
            return new Options(seed, embeddingLength, value, headCount, contextLength, chatTemplate, name, allowEos);
        }

        public Options withHeadCount(int value) {
            return new Options(seed, embeddingLength, blockCount, value, contextLength, chatTemplate, name, allowEos);
        }

        public Options withContextLength(int value) {
            return new Options(seed, embeddingLength, blockCount, headCount, value, chatTemplate, name, allowEos);
        }

        public Options withChatTemplate(String value) {
            return new Options(seed, embeddingLength, blockCount, headCount, contextLength, value, name, allowEos);
        }

        public Options withName(String value) {
            return new Options(seed, embeddingLength, blockCount, headCount, contextLength, chatTemplate, value,
                    allowEos);
        }

        public Options withAllowEos(boolean value) {
            return new Options(seed, embeddingLength, blockCount, headCount, contextLength, chatTemplate, name,
                    value);
        }
    }

    private TinyLlama() {
    }

    /** Writes the default model. */
    public static void write(Path out) throws IOException {
        write(out, Options.defaults());
    }

    /** Writes a model, replacing any file at that path. */
    public static void write(Path out, Options options) throws IOException {
        build(options).write(out);
    }

    /** The vocabulary, by token id. */
    public static List<String> vocabulary() {
        return TinyVocabulary.build().tokens();
    }

    static GgufWriter build(Options o) {
        TinyVocabulary vocab = TinyVocabulary.build();
        int d = o.embeddingLength();
        int headDim = d / o.headCount();
        int ffn = 2 * d;
        GgufWriter w = new GgufWriter()
                .putString("general.architecture", "llama")
                .putString("general.name", o.name())
                .putUint32("general.file_type", LlamaFileType.F16.id())
                .putUint32("llama.context_length", o.contextLength())
                .putUint32("llama.embedding_length", d)
                .putUint32("llama.block_count", o.blockCount())
                .putUint32("llama.feed_forward_length", ffn)
                .putUint32("llama.attention.head_count", o.headCount())
                .putUint32("llama.attention.head_count_kv", o.headCount())
                .putUint32("llama.rope.dimension_count", headDim)
                .putFloat32("llama.rope.freq_base", 10_000f)
                .putFloat32("llama.attention.layer_norm_rms_epsilon", 1e-5f)
                .putUint32("llama.vocab_size", vocab.size())
                .putString("tokenizer.ggml.model", "llama")
                .putArray("tokenizer.ggml.tokens", GgufValueType.STRING, vocab.tokens())
                .putArray("tokenizer.ggml.scores", GgufValueType.FLOAT32, vocab.scores())
                .putArray("tokenizer.ggml.token_type", GgufValueType.INT32, vocab.types())
                .putUint32("tokenizer.ggml.unknown_token_id", TinyVocabulary.UNK)
                .putUint32("tokenizer.ggml.bos_token_id", TinyVocabulary.BOS)
                .putUint32("tokenizer.ggml.eos_token_id", TinyVocabulary.EOS)
                .putBoolean("tokenizer.ggml.add_bos_token", true)
                .putBoolean("tokenizer.ggml.add_eos_token", false);
        if (o.chatTemplate() != null) {
            w.putString("tokenizer.chat_template", o.chatTemplate());
        }
        new TinyWeights(o, vocab, ffn).addTo(w);
        return w;
    }
}
