package io.kiban.worker.engine;

import de.kherud.llama.LlamaModel;
import de.kherud.llama.LlamaOutput;
import de.kherud.llama.LlamaTasks;
import de.kherud.llama.ModelParameters;
import de.kherud.llama.args.PoolingType;
import io.kiban.api.Json;
import io.kiban.gguf.GgufFile;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The llama.cpp engine, through de.kherud:llama's JNI binding (CPU build).
 *
 * <p>Implementation notes. llama.cpp's server loop runs on its own native thread and owns the model context; request
 * threads only post tasks and block for results, so several requests decode together in parallel slots (continuous
 * batching). Those blocking waits happen inside native code, which pins a virtual thread's carrier: callers must use
 * platform threads (the worker's HTTP server does). A task is cancelled only by the thread that drives it, never
 * while another thread is blocked receiving it (the wait would then never end).
 *
 * <p>Token counting: the prompt is tokenized here and sent as token ids, so prompt tokens are exact. In streaming
 * mode llama.cpp emits one result per generated token, except that a token ending in an incomplete UTF-8 sequence
 * is held back and merged into the next one; completion tokens are counted per result, which is exact for text
 * whose characters are single tokens or ASCII.
 */
public final class LlamaCppEngine implements Engine {
    private final LlamaModel model;
    private final EngineInfo info;
    private final boolean addBos;
    private final int bosToken;
    private final String template;

    public LlamaCppEngine(EngineConfig config) throws EngineException {
        GgufFile gguf;
        try {
            gguf = GgufFile.read(config.model());
        } catch (Exception e) {
            throw new EngineException("Cannot read model file " + config.model() + ": " + e.getMessage(), e);
        }
        int modelContext = gguf.contextLength() == null ? 2048 : (int) Math.min(Integer.MAX_VALUE, gguf.contextLength());
        int context = config.contextSize() > 0 ? config.contextSize() : Math.min(modelContext, EngineConfig.DEFAULT_CONTEXT_CAP);
        int parallel = Math.max(1, config.parallel());
        this.template = switch (config.template() == null ? "auto" : config.template()) {
            case "auto" -> gguf.chatTemplate().isPresent() ? "gguf" : "plain";
            case "gguf", "chatml", "plain" -> config.template();
            default -> throw new EngineException("Unknown chat template '" + config.template() + "': use auto, gguf, chatml or plain");
        };
        if (template.equals("gguf") && gguf.chatTemplate().isEmpty()) {
            throw new EngineException("The model file has no chat template (tokenizer.chat_template); use template=plain or chatml");
        }
        this.addBos = gguf.addBosToken();
        this.bosToken = gguf.bosTokenId() == null ? -1 : gguf.bosTokenId().intValue();

        ModelParameters params = new ModelParameters()
                .setModel(config.model().toString())
                .setGpuLayers(0)
                .setCtxSize(context * parallel)
                .setParallel(parallel)
                .setThreads(config.threads() > 0 ? config.threads() : EngineConfig.defaultThreads())
                .disableContextShift();
        if (template.equals("gguf")) {
            params.enableJinja();
        }
        String pooling = null;
        if (config.embeddings()) {
            PoolingType type = pooling(gguf.poolingType());
            params.enableEmbedding().setPoolingType(type);
            pooling = type.name().toLowerCase(java.util.Locale.ROOT);
        }
        try {
            this.model = new LlamaModel(params);
        } catch (RuntimeException e) {
            throw new EngineException("llama.cpp could not load " + config.model() + ": " + e.getMessage(), e);
        }
        int embeddingSize = gguf.embeddingLength() == null ? 0 : gguf.embeddingLength().intValue();
        this.info = new EngineInfo("llama.cpp", context, config.embeddings(), config.embeddings() ? embeddingSize : 0, template,
                pooling);
    }

    /**
     * The pooling for embeddings: the model's own when it declares CLS or LAST, otherwise LAST. MEAN pooling aborts
     * the process in the llama.cpp build that de.kherud:llama 4.2.0 bundles (GGML_ASSERT in build_pooling, llama.cpp
     * issue #12517, fixed upstream by #12545); see docs/decisions/0003-embedding-pooling.md.
     */
    static PoolingType pooling(Integer declared) {
        if (declared != null && declared == 2) {
            return PoolingType.CLS;
        }
        return PoolingType.LAST;
    }

    @Override
    public EngineInfo info() {
        return info;
    }

    @Override
    public String renderChat(List<ChatTurn> messages) {
        return switch (template) {
            case "plain" -> ChatTemplates.plain(messages);
            case "chatml" -> ChatTemplates.chatml(messages);
            default -> {
                ObjectNode body = Json.MAPPER.createObjectNode();
                ArrayNode list = body.putArray("messages");
                for (ChatTurn m : messages) {
                    list.addObject().put("role", m.role()).put("content", m.content());
                }
                yield model.applyTemplate(body.toString());
            }
        };
    }

    @Override
    public int[] tokenizePrompt(String text) {
        int[] tokens = model.encode(text);
        if (!addBos || bosToken < 0 || (tokens.length > 0 && tokens[0] == bosToken)) {
            return tokens;
        }
        int[] withBos = new int[tokens.length + 1];
        withBos[0] = bosToken;
        System.arraycopy(tokens, 0, withBos, 1, tokens.length);
        return withBos;
    }

    @Override
    public Generation start(int[] promptTokens, GenerationSettings s) throws EngineException {
        ObjectNode task = Json.MAPPER.createObjectNode();
        task.put("stream", true);
        ArrayNode prompt = task.putArray("prompt");
        for (int t : promptTokens) {
            prompt.add(t);
        }
        task.put("n_predict", s.maxTokens());
        task.put("temperature", s.temperature());
        task.put("top_p", s.topP());
        // OpenAI sampling is temperature plus top_p only; turn off llama.cpp's extra default filters.
        task.put("top_k", 0);
        task.put("min_p", 0.0);
        task.put("presence_penalty", s.presencePenalty());
        task.put("frequency_penalty", s.frequencyPenalty());
        task.put("cache_prompt", true);
        if (s.seed() != null) {
            // llama.cpp seeds are uint32 and 0xFFFFFFFF means "random".
            task.put("seed", Math.floorMod(s.seed(), 0xFFFF_FFFFL));
        }
        if (!s.stop().isEmpty()) {
            ArrayNode stop = task.putArray("stop");
            s.stop().forEach(stop::add);
        }
        if (!s.logitBias().isEmpty()) {
            ArrayNode bias = task.putArray("logit_bias");
            for (Map.Entry<Integer, Float> e : s.logitBias().entrySet()) {
                bias.addArray().add(e.getKey()).add(e.getValue());
            }
        }
        if (s.jsonSchema() != null) {
            task.set("json_schema", Json.MAPPER.readTree(s.jsonSchema()));
        } else if (s.grammar() != null) {
            task.put("grammar", s.grammar());
        }
        int id;
        try {
            id = LlamaTasks.request(model, task.toString());
        } catch (RuntimeException e) {
            throw new EngineException("llama.cpp rejected the task: " + e.getMessage(), e);
        }
        return new LlamaGeneration(model, id);
    }

    @Override
    public float[] embed(String text) throws EngineException {
        float[] v;
        try {
            v = model.embed(text);
        } catch (RuntimeException e) {
            throw new EngineException("llama.cpp could not embed the input: " + e.getMessage(), e);
        }
        double norm = 0;
        for (float x : v) {
            norm += (double) x * x;
        }
        norm = Math.sqrt(norm);
        if (norm > 0) {
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) (v[i] / norm);
            }
        }
        return v;
    }

    @Override
    public void close() {
        model.close();
    }

    private static final class LlamaGeneration implements Generation {
        private final LlamaModel model;
        private final int taskId;
        private int tokens;
        private boolean done;

        LlamaGeneration(LlamaModel model, int taskId) {
            this.model = model;
            this.taskId = taskId;
        }

        @Override
        public String next() throws EngineException {
            if (done) {
                return null;
            }
            LlamaOutput out;
            try {
                out = LlamaTasks.receive(model, taskId);
            } catch (RuntimeException e) {
                done = true;
                throw new EngineException("llama.cpp failed while generating: " + e.getMessage(), e);
            }
            if (LlamaTasks.isFinal(out)) {
                done = true;
                return null;
            }
            tokens++;
            return out.text;
        }

        @Override
        public int tokens() {
            return tokens;
        }

        @Override
        public void cancel() {
            if (!done) {
                done = true;
                LlamaTasks.cancel(model, taskId);
            }
        }
    }
}
