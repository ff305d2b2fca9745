package io.kiban.api.completions;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.kiban.api.Usage;
import java.util.List;

/**
 * A legacy completion ({@code object: text_completion}); streamed chunks use the same shape, the last one of a
 * stream with {@code include_usage} having no choices.
 */
public record Completion(String id, String object, long created, String model, List<Choice> choices,
        @JsonInclude(JsonInclude.Include.ALWAYS) Usage usage,
        @JsonInclude(JsonInclude.Include.ALWAYS) String systemFingerprint) {

    public Completion(String id, long created, String model, List<Choice> choices, Usage usage) {
        this(id, "text_completion", created, model, choices, usage, null);
    }

    public record Choice(String text, int index, @JsonInclude(JsonInclude.Include.ALWAYS) Object logprobs,
            @JsonInclude(JsonInclude.Include.ALWAYS) String finishReason) {
        public Choice(String text, int index, String finishReason) {
            this(text, index, null, finishReason);
        }
    }
}
