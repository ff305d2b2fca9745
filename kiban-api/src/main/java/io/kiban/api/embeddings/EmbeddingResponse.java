package io.kiban.api.embeddings;

import java.util.List;

/** The embeddings of a request: {@code embedding} is a float array or a base64 string of little-endian float32. */
public record EmbeddingResponse(String object, List<Item> data, String model, Usage usage) {

    public EmbeddingResponse(List<Item> data, String model, Usage usage) {
        this("list", data, model, usage);
    }

    public record Item(String object, int index, Object embedding) {
        public Item(int index, Object embedding) {
            this("embedding", index, embedding);
        }
    }

    public record Usage(int promptTokens, int totalTokens) {}
}
