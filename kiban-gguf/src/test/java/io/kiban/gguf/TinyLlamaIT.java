package io.kiban.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import de.kherud.llama.InferenceParameters;
import de.kherud.llama.LlamaIterator;
import de.kherud.llama.LlamaModel;
import de.kherud.llama.LlamaOutput;
import de.kherud.llama.ModelParameters;
import de.kherud.llama.Pair;
import de.kherud.llama.args.PoolingType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generated model under real llama.cpp (de.kherud:llama): it loads, and generates, tokenizes and embeds. */
class TinyLlamaIT {

    private static final String WORD_OR_MARK = " [a-z]+|[.,!?\\n]";

    @TempDir
    static Path dir;
    static Path modelFile;
    static LlamaModel model;

    @BeforeAll
    static void load() throws IOException {
        modelFile = dir.resolve("tiny.gguf");
        TinyLlama.write(modelFile);
        model = new LlamaModel(generation(modelFile));
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void greedy_generation_is_the_same_across_runs_and_model_loads() throws IOException {
        String first = generate(model, greedy("Once upon a time", 64));
        String second = generate(model, greedy("Once upon a time", 64));
        long start = System.nanoTime();
        String third;
        try (LlamaModel again = new LlamaModel(generation(modelFile))) {
            long loadMillis = (System.nanoTime() - start) / 1_000_000;
            third = generate(again, greedy("Once upon a time", 64));
            assertThat(loadMillis).as("load time in ms").isLessThan(5_000);
        }
        assertThat(first).isNotBlank().isEqualTo(second).isEqualTo(third);
        assertThat(Files.size(modelFile)).isLessThan(1_000_000);
    }

    @Test
    void writes_only_whole_words_and_punctuation_even_at_high_temperature() {
        List<String> texts = new ArrayList<>();
        for (int seed = 1; seed <= 5; seed++) {
            texts.add(generate(model, new InferenceParameters("héllo 日本 <s></s> ~\u0001").setNPredict(64)
                    .setTemperature(1f).setSeed(seed)));
        }
        for (int seed = 1; seed <= 3; seed++) {
            // No top-k, top-p or min-p cut: every token keeps a chance, only the logits keep forbidden ones out.
            texts.add(generate(model, new InferenceParameters("hello").setNPredict(128).setTemperature(2f)
                    .setTopK(0).setTopP(1f).setMinP(0f).setSeed(seed)));
        }
        Set<String> vocabulary = new HashSet<>(TinyLlama.vocabulary());
        for (String text : texts) {
            assertThat(text).matches("[ -~\\n]+").matches("(" + WORD_OR_MARK + ")+");
            for (String word : text.split("[\\s.,!?]+")) {
                assertThat(word.isEmpty() || vocabulary.contains("▁" + word)).as(word).isTrue();
            }
        }
        assertThat(new HashSet<>(texts)).as("different seeds, different texts").hasSize(texts.size());
    }

    @Test
    void other_shapes_and_seeds_load_and_write_clean_text() throws IOException {
        for (TinyLlama.Options options : List.of(
                TinyLlama.Options.defaults().withSeed(7).withEmbeddingLength(32).withBlockCount(1).withHeadCount(2),
                TinyLlama.Options.defaults().withSeed(3).withEmbeddingLength(128).withBlockCount(3).withHeadCount(8)
                        .withContextLength(256))) {
            Path file = dir.resolve("shape-" + options.seed() + ".gguf");
            TinyLlama.write(file, options);
            try (LlamaModel other = new LlamaModel(new ModelParameters().setModel(file.toString()).setGpuLayers(0)
                    .setCtxSize(options.contextLength()).disableLog())) {
                String text = generate(other, new InferenceParameters("hello").setNPredict(32).setTemperature(1f)
                        .setSeed(1));
                assertThat(text).as(options.toString()).matches("(" + WORD_OR_MARK + ")+");
                assertThat(outputs(other, greedy("hello", 32))).isEqualTo(33);
            }
        }
    }

    @Test
    void streams_one_output_per_token_then_an_empty_final_output() {
        int nPredict = 24;
        LlamaIterator it = model.generate(greedy("hello", nPredict)).iterator();
        List<String> texts = new ArrayList<>();
        while (it.hasNext()) {
            texts.add(it.next().text);
        }

        assertThat(texts).hasSize(nPredict + 1);
        assertThat(texts.getLast()).isEmpty();
        assertThat(texts.subList(0, nPredict)).allSatisfy(t -> assertThat(t).matches(WORD_OR_MARK));
        assertThat(String.join("", texts)).isEqualTo(model.complete(greedy("hello", nPredict)));
    }

    @Test
    void greedy_output_is_varied_enough_to_cut_at_a_stop_string() {
        String text = generate(model, greedy("hello", 64));
        List<String> words = Arrays.asList(text.split("[\\s.,!?]+"));
        assertThat(new HashSet<>(words)).as("distinct words in " + text).hasSizeGreaterThan(12);

        String stop = " " + words.get(6);
        String cut = generate(model, greedy("hello", 64).setStopStrings(stop));

        assertThat(cut).isEqualTo(text.substring(0, text.indexOf(stop)));
    }

    @Test
    void stop_strings_hold_text_back_in_empty_outputs_and_lose_it_at_the_token_limit() {
        String full = generate(model, greedy("Once upon a time", 24));
        String lastWord = full.substring(full.lastIndexOf(' '));
        // Never matches, but its start matches the last word, so llama.cpp holds that word back at the end.
        InferenceParameters params = greedy("Once upon a time", 24).setStopStrings(lastWord + " zzz");
        List<String> texts = new ArrayList<>();
        for (LlamaOutput out : model.generate(params)) {
            texts.add(out.text);
        }

        assertThat(texts).hasSize(25).contains("");
        assertThat(String.join("", texts)).isEqualTo(full.substring(0, full.length() - lastWord.length()));
        assertThat(model.complete(params)).isEqualTo(full);
    }

    @Test
    void ends_generation_by_itself_only_when_eos_is_allowed() throws IOException {
        Path file = dir.resolve("eos.gguf");
        TinyLlama.write(file, TinyLlama.Options.defaults().withAllowEos(true));
        try (LlamaModel eos = new LlamaModel(generation(file))) {
            long stoppedEarly = IntStream.rangeClosed(1, 5)
                    .filter(seed -> outputs(eos, new InferenceParameters("hello").setNPredict(100).setTemperature(1f)
                            .setSeed(seed)) <= 100)
                    .count();
            assertThat(stoppedEarly).isGreaterThanOrEqualTo(4);
        }
        assertThat(outputs(model, new InferenceParameters("hello").setNPredict(100).setTemperature(1f)))
                .isEqualTo(101);
    }

    @Test
    void encodes_text_without_a_bos_token_and_bytes_for_what_is_not_in_the_vocabulary() {
        List<String> v = TinyLlama.vocabulary();

        assertThat(model.encode("hello world")).containsExactly(v.indexOf("▁hello"), v.indexOf("▁world"));
        assertThat(model.encode("héllo 日本")).containsExactly(v.indexOf("▁h"), v.indexOf("<0xC3>"),
                v.indexOf("<0xA9>"), v.indexOf("l"), v.indexOf("l"), v.indexOf("o"), v.indexOf("▁"),
                v.indexOf("<0xE6>"), v.indexOf("<0x97>"), v.indexOf("<0xA5>"), v.indexOf("<0xE6>"),
                v.indexOf("<0x9C>"), v.indexOf("<0xAC>"));
        assertThat(model.encode("")).isEmpty();
        // Special-token text is parsed as the special token.
        assertThat(model.encode("<s>hi")).containsExactly(1, v.indexOf("▁hi"));
        assertThat(model.decode(new int[] {1, v.indexOf("▁hello"), v.indexOf("▁world"), 2}))
                .isEqualTo("<s> hello world</s>");
    }

    @Test
    void embeds_texts_into_different_unit_vectors_with_last_token_pooling() {
        try (LlamaModel embedder = new LlamaModel(new ModelParameters().setModel(modelFile.toString())
                .setGpuLayers(0).setCtxSize(512).disableLog().enableEmbedding().setPoolingType(PoolingType.LAST))) {
            float[] a = embedder.embed("the cat sat on the mat");
            float[] b = embedder.embed("a dog ran in the park");

            assertThat(a).hasSize(64);
            assertThat(norm(a)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-4));
            assertThat(a).isNotEqualTo(b);
            assertThat(embedder.embed("the cat sat on the mat")).isEqualTo(a);
            // This is the final hidden state over its length (8): the reserved dimension holds over 4 of the 8, so
            // forbidden logits are below -40 * 4 = -160 (see TinyLlama's implementation notes).
            assertThat(a[63] * 8).isGreaterThan(4f);
            assertThat(b[63] * 8).isGreaterThan(4f);
        }
    }

    @Test
    void mean_pooling_still_aborts_this_llama_cpp_build() throws Exception {
        // A canary: when an upgraded de.kherud:llama fixes the crash, this fails and the README must change.
        Path work = Files.createDirectories(dir.resolve("mean-probe"));
        ProcessBuilder pb = new ProcessBuilder("/bin/sh", "-c", "ulimit -c 0; exec \"$0\" \"$@\"",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Djava.io.tmpdir=" + work,
                "-cp", System.getProperty("java.class.path"), MeanPoolingProbe.class.getName(), modelFile.toString())
                .directory(work.toFile())
                .redirectErrorStream(true);
        pb.environment().put("GGML_NO_BACKTRACE", "1");
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes());
        int exit = p.waitFor();

        assertThat(output).doesNotContain(MeanPoolingProbe.SUCCESS).contains("GGML_ASSERT(ggml_can_mul_mat(a, b))");
        assertThat(exit).isNotZero();
    }

    @Test
    void loads_the_chat_template_it_was_given() throws IOException {
        Path file = dir.resolve("chat.gguf");
        TinyLlama.write(file, TinyLlama.Options.defaults().withChatTemplate(TinyLlama.CHATML_TEMPLATE));
        assertThat(GgufFile.read(file).chatTemplate()).contains(TinyLlama.CHATML_TEMPLATE);
        try (LlamaModel chat = new LlamaModel(generation(file))) {
            String prompt = chat.applyTemplate(new InferenceParameters("")
                    .setMessages("be brief", List.of(new Pair<>("user", "hi"))));
            assertThat(prompt).isEqualTo(
                    "<|im_start|>system\nbe brief<|im_end|>\n<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n");
        }
    }

    static ModelParameters generation(Path file) {
        // disableLog: llama.cpp otherwise prints ~150 lines per load into the build output.
        return new ModelParameters().setModel(file.toString()).setGpuLayers(0).setCtxSize(2048).disableLog();
    }

    private static InferenceParameters greedy(String prompt, int nPredict) {
        return new InferenceParameters(prompt).setNPredict(nPredict).setTemperature(0f).setSeed(42);
    }

    private static String generate(LlamaModel m, InferenceParameters params) {
        StringBuilder text = new StringBuilder();
        for (LlamaOutput out : m.generate(params)) {
            text.append(out.text);
        }
        return text.toString();
    }

    /** The number of outputs {@code generate} yields, the final one included. */
    private static int outputs(LlamaModel m, InferenceParameters params) {
        int n = 0;
        for (LlamaOutput ignored : m.generate(params)) {
            n++;
        }
        return n;
    }

    private static double norm(float[] v) {
        double s = 0;
        for (float x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }
}
