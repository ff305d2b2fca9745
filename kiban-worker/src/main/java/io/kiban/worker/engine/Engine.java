package io.kiban.worker.engine;

import java.util.List;

/**
 * An inference runtime loaded with one model. Implementations own their native resources; request threads call
 * these methods concurrently, up to the number of parallel slots the worker admits.
 */
public interface Engine extends AutoCloseable {

    EngineInfo info();

    /** Renders chat messages into the model's prompt text (its chat template, or the documented fallback). */
    String renderChat(List<ChatTurn> messages);

    /** Tokenizes prompt text exactly as the model will see it, including a leading BOS when the model wants one. */
    int[] tokenizePrompt(String text);

    /** Starts generating after the given prompt tokens. The returned generation must be drained or cancelled. */
    Generation start(int[] promptTokens, GenerationSettings settings) throws EngineException;

    /** A pooled, L2-normalised embedding of the text; only for models loaded for embeddings. */
    float[] embed(String text) throws EngineException;

    @Override
    void close();

    /** One chat message as the template sees it. */
    record ChatTurn(String role, String content) {}
}
