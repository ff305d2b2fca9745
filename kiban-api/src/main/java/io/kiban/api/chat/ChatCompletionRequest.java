package io.kiban.api.chat;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.api.SamplingParams;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * {@code POST /v1/chat/completions}. Fields Kiban does not model are ignored.
 *
 * <p>Two fields follow vLLM's extensions to the OpenAI API: {@code continue_final_message} (the last message is an
 * assistant message whose text the model continues, without ending it) and {@code add_generation_prompt} (whether
 * the template opens a new assistant turn after the messages; true by default, false when continuing). The gateway
 * uses them to continue a stream on another replica when one fails mid-stream.
 */
public record ChatCompletionRequest(
        String model,
        List<ChatMessage> messages,
        Integer maxTokens,
        Integer maxCompletionTokens,
        Double temperature,
        Double topP,
        Long seed,
        JsonNode stop,
        Double presencePenalty,
        Double frequencyPenalty,
        Integer n,
        Boolean stream,
        StreamOptions streamOptions,
        ResponseFormat responseFormat,
        Boolean logprobs,
        Integer topLogprobs,
        Map<String, Double> logitBias,
        JsonNode tools,
        String user,
        Map<String, String> metadata,
        Boolean store,
        Boolean continueFinalMessage,
        Boolean addGenerationPrompt) {

    public boolean streaming() {
        return Boolean.TRUE.equals(stream);
    }

    /** The output-token limit: {@code max_completion_tokens}, else {@code max_tokens}, else null (up to the context). */
    public Integer outputLimit() {
        return maxCompletionTokens != null ? maxCompletionTokens : maxTokens;
    }

    /** Whether the last message is an assistant message to continue ({@code continue_final_message}). */
    public boolean continuesFinalMessage() {
        return Boolean.TRUE.equals(continueFinalMessage);
    }

    /** Whether the template opens a new assistant turn: {@code add_generation_prompt}, by default unless continuing. */
    public boolean generationPrompt() {
        return addGenerationPrompt != null ? addGenerationPrompt : !continuesFinalMessage();
    }

    /** Checks everything that does not depend on the model; throws a 400 naming the parameter at fault. */
    public SamplingParams validate() {
        if (model == null || model.isBlank()) {
            throw new ApiException(ApiError.missingParam("model", "You must provide a model parameter."));
        }
        if (messages == null || messages.isEmpty()) {
            throw new ApiException(ApiError.missingParam("messages",
                    "'messages' must be a non-empty array of {\"role\": ..., \"content\": ...} objects."));
        }
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage m = messages.get(i);
            if (m == null || m.role() == null) {
                throw new ApiException(ApiError.missingParam("messages[" + i + "].role",
                        "Each message needs a 'role': one of system, developer, user, assistant."));
            }
            switch (m.role()) {
                case "system", "developer", "user", "assistant" -> m.text(i);
                case "tool", "function" -> throw new ApiException(ApiError.unsupportedParam("messages[" + i + "].role",
                        "Tool and function messages are not supported by this model."));
                default -> throw new ApiException(ApiError.invalidParam("messages[" + i + "].role",
                        "Invalid role '" + m.role() + "'; use one of system, developer, user, assistant."));
            }
        }
        if (continuesFinalMessage()) {
            if (!"assistant".equals(messages.getLast().role())) {
                throw new ApiException(ApiError.invalidParam("continue_final_message", "'continue_final_message' needs "
                        + "an assistant message last: its text is what the model continues."));
            }
            if (Boolean.TRUE.equals(addGenerationPrompt)) {
                throw new ApiException(ApiError.invalidParam("add_generation_prompt", "Set at most one of "
                        + "'continue_final_message' and 'add_generation_prompt': a continued message has no new turn."));
            }
        }
        if (tools != null && !tools.isNull() && !(tools.isArray() && tools.isEmpty())) {
            throw new ApiException(ApiError.unsupportedParam("tools", "Tool calling is not supported by this model yet."));
        }
        if (maxTokens != null && maxCompletionTokens != null && !maxTokens.equals(maxCompletionTokens)) {
            throw new ApiException(ApiError.invalidParam("max_tokens",
                    "Set only one of 'max_tokens' and 'max_completion_tokens' (they mean the same here)."));
        }
        if (responseFormat != null) {
            SamplingParams.checkResponseFormat(responseFormat);
        }
        if (Boolean.TRUE.equals(logprobs) || topLogprobs != null) {
            throw new ApiException(ApiError.unsupportedParam(Boolean.TRUE.equals(logprobs) ? "logprobs" : "top_logprobs",
                    "logprobs are not available from the llama.cpp engine in this version of Kiban; omit 'logprobs'."));
        }
        return SamplingParams.check(outputLimit(), maxCompletionTokens != null ? "max_completion_tokens" : "max_tokens",
                temperature, topP, seed, stop, presencePenalty, frequencyPenalty, n, logitBias, responseFormat);
    }
}
