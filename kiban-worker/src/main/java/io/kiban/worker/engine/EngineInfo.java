package io.kiban.worker.engine;

/**
 * What an engine serves.
 *
 * @param contextPerRequest tokens one request may use (prompt plus output)
 * @param embeddings true when loaded for embeddings (then it does not generate)
 * @param embeddingSize vector length for embedding models, else 0
 * @param template the chat template in use: {@code gguf}, {@code chatml} or {@code plain}
 * @param pooling how token states become one embedding ({@code last} or {@code cls}); null when not embedding
 */
public record EngineInfo(String engine, int contextPerRequest, boolean embeddings, int embeddingSize, String template,
        String pooling) {}
