package io.kiban.api;

/** Token counts of one request, counted with the model's own tokenizer. */
public record Usage(int promptTokens, int completionTokens, int totalTokens) {
    public static Usage of(int promptTokens, int completionTokens) {
        return new Usage(promptTokens, completionTokens, promptTokens + completionTokens);
    }
}
