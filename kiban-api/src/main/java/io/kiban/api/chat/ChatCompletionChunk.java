package io.kiban.api.chat;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.kiban.api.Usage;
import java.util.List;

/**
 * One server-sent event of a streamed chat completion ({@code object: chat.completion.chunk}). The last chunk of a
 * stream with {@code stream_options.include_usage} has no choices and carries the usage.
 */
public record ChatCompletionChunk(String id, String object, long created, String model, List<Choice> choices,
        @JsonInclude(JsonInclude.Include.ALWAYS) Usage usage,
        @JsonInclude(JsonInclude.Include.ALWAYS) String systemFingerprint) {

    public ChatCompletionChunk(String id, long created, String model, List<Choice> choices, Usage usage) {
        this(id, "chat.completion.chunk", created, model, choices, usage, null);
    }

    public record Choice(int index, Delta delta, @JsonInclude(JsonInclude.Include.ALWAYS) Object logprobs,
            @JsonInclude(JsonInclude.Include.ALWAYS) String finishReason) {
        public Choice(int index, Delta delta, String finishReason) {
            this(index, delta, null, finishReason);
        }
    }

    /** The new part of the message: the role in the first chunk, then content pieces. */
    public record Delta(String role, String content) {}
}
