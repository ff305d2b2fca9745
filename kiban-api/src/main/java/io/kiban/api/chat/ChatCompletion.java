package io.kiban.api.chat;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.kiban.api.Usage;
import java.util.List;

/** A non-streamed chat completion ({@code object: chat.completion}). */
public record ChatCompletion(String id, String object, long created, String model, List<Choice> choices, Usage usage,
        @JsonInclude(JsonInclude.Include.ALWAYS) String systemFingerprint) {

    public ChatCompletion(String id, long created, String model, List<Choice> choices, Usage usage) {
        this(id, "chat.completion", created, model, choices, usage, null);
    }

    public record Choice(int index, Message message, @JsonInclude(JsonInclude.Include.ALWAYS) Object logprobs,
            @JsonInclude(JsonInclude.Include.ALWAYS) String finishReason) {
        public Choice(int index, String content, String finishReason) {
            this(index, new Message("assistant", content, null), null, finishReason);
        }
    }

    public record Message(String role, @JsonInclude(JsonInclude.Include.ALWAYS) String content,
            @JsonInclude(JsonInclude.Include.ALWAYS) String refusal) {}
}
