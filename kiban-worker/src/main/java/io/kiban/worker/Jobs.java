package io.kiban.worker;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.api.SamplingParams;
import io.kiban.api.chat.ChatCompletionRequest;
import io.kiban.api.chat.ChatMessage;
import io.kiban.api.completions.CompletionRequest;
import io.kiban.worker.engine.Engine;
import io.kiban.worker.engine.GenerationSettings;
import java.util.ArrayList;
import java.util.List;

/** Turns validated OpenAI requests into {@link Job}s: prompt rendering, tokenization, context-window checks. */
final class Jobs {
    private final Engine engine;
    private final String model;

    Jobs(Engine engine, String model) {
        this.engine = engine;
        this.model = model;
    }

    Job chat(ChatCompletionRequest r) {
        SamplingParams p = r.validate();
        requireGenerator();
        List<Engine.ChatTurn> turns = new ArrayList<>(r.messages().size());
        for (int i = 0; i < r.messages().size(); i++) {
            ChatMessage m = r.messages().get(i);
            String role = m.role().equals("developer") ? "system" : m.role();
            turns.add(new Engine.ChatTurn(role, m.text(i)));
        }
        int[] prompt = engine.tokenizePrompt(engine.renderChat(turns));
        String limitParam = r.maxCompletionTokens() != null ? "max_completion_tokens" : "max_tokens";
        long created = System.currentTimeMillis() / 1000;
        Shape shape = new ChatShape(Ids.next("chatcmpl-"), created, model);
        boolean usage = r.streamOptions() != null && r.streamOptions().usage();
        return new Job(shape, prompt, settings(p, prompt.length, limitParam, "messages"), r.streaming(), usage, null);
    }

    Job completion(CompletionRequest r) {
        SamplingParams p = r.validate();
        requireGenerator();
        String text = r.promptText();
        int[] prompt = engine.tokenizePrompt(text);
        long created = System.currentTimeMillis() / 1000;
        Shape shape = new CompletionShape(Ids.next("cmpl-"), created, model);
        boolean usage = r.streamOptions() != null && r.streamOptions().usage();
        String echo = Boolean.TRUE.equals(r.echo()) ? text : null;
        return new Job(shape, prompt, settings(p, prompt.length, "max_tokens", "prompt"), r.streaming(), usage, echo);
    }

    private void requireGenerator() {
        if (engine.info().embeddings()) {
            throw new ApiException(ApiError.invalidParam("model", "The model '" + model + "' is served for embeddings "
                    + "only; call POST /v1/embeddings, or serve it for generation (without the 'embeddings' option)."));
        }
    }

    private List<GenerationSettings> settings(SamplingParams p, int promptTokens, String limitParam, String promptParam) {
        int context = engine.info().contextPerRequest();
        int limit;
        if (p.maxTokens() != null) {
            if ((long) promptTokens + p.maxTokens() > context) {
                throw new ApiException(new ApiError.ContextLengthExceeded("This model's maximum context length is "
                        + context + " tokens. However, you requested " + (promptTokens + (long) p.maxTokens())
                        + " tokens (" + promptTokens + " in the " + promptParam + ", " + p.maxTokens()
                        + " in the completion). Please reduce the length of the " + promptParam + " or of '" + limitParam + "'.",
                        promptParam));
            }
            limit = p.maxTokens();
        } else {
            limit = context - promptTokens;
            if (limit < 1) {
                throw new ApiException(new ApiError.ContextLengthExceeded("This model's maximum context length is "
                        + context + " tokens, and your " + promptParam + " already uses " + promptTokens
                        + " tokens. Please shorten the " + promptParam + ".", promptParam));
            }
        }
        String schema = null;
        if (p.responseFormat() != null) {
            schema = switch (p.responseFormat().type()) {
                case "json_object" -> "{\"type\":\"object\"}";
                default -> p.responseFormat().jsonSchema().get("schema").toString();
            };
        }
        List<GenerationSettings> out = new ArrayList<>(p.n());
        for (int i = 0; i < p.n(); i++) {
            Long seed = p.seed() == null ? null : p.seed() + i;
            out.add(new GenerationSettings(limit, p.temperature(), p.topP(), seed, p.stop(), p.presencePenalty(),
                    p.frequencyPenalty(), p.logitBias(), null, schema));
        }
        return out;
    }
}
