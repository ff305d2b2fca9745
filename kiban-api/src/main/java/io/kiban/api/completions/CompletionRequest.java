package io.kiban.api.completions;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.api.SamplingParams;
import io.kiban.api.chat.StreamOptions;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** {@code POST /v1/completions} (legacy). {@code prompt} is a string or an array of one string. */
public record CompletionRequest(
        String model,
        JsonNode prompt,
        Integer maxTokens,
        Double temperature,
        Double topP,
        Long seed,
        JsonNode stop,
        Double presencePenalty,
        Double frequencyPenalty,
        Integer n,
        Boolean stream,
        StreamOptions streamOptions,
        Boolean echo,
        Integer logprobs,
        String suffix,
        Integer bestOf,
        Map<String, Double> logitBias,
        String user) {

    /** OpenAI's default for the legacy endpoint. */
    public static final int DEFAULT_MAX_TOKENS = 16;

    public boolean streaming() {
        return Boolean.TRUE.equals(stream);
    }

    /** The prompt text. */
    public String promptText() {
        if (prompt == null || prompt.isNull()) {
            throw new ApiException(ApiError.missingParam("prompt", "You must provide a 'prompt' (a string)."));
        }
        if (prompt.isString()) {
            return prompt.asString();
        }
        if (prompt.isArray() && prompt.size() == 1 && prompt.get(0).isString()) {
            return prompt.get(0).asString();
        }
        throw new ApiException(ApiError.unsupportedParam("prompt",
                "'prompt' must be a string (or an array holding one string); batches of prompts and token arrays are not supported."));
    }

    public SamplingParams validate() {
        if (model == null || model.isBlank()) {
            throw new ApiException(ApiError.missingParam("model", "You must provide a model parameter."));
        }
        promptText();
        if (logprobs != null) {
            throw new ApiException(ApiError.unsupportedParam("logprobs",
                    "logprobs are not available from the llama.cpp engine in this version of Kiban; omit 'logprobs'."));
        }
        if (suffix != null && !suffix.isEmpty()) {
            throw new ApiException(ApiError.unsupportedParam("suffix", "'suffix' (insertion) is not supported."));
        }
        if (bestOf != null && bestOf != 1) {
            throw new ApiException(ApiError.unsupportedParam("best_of", "'best_of' other than 1 is not supported."));
        }
        return SamplingParams.check(maxTokens == null ? DEFAULT_MAX_TOKENS : maxTokens, "max_tokens", temperature, topP,
                seed, stop, presencePenalty, frequencyPenalty, n, logitBias, null);
    }
}
