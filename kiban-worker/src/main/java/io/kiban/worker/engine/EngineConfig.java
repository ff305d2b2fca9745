package io.kiban.worker.engine;

import java.nio.file.Path;

/**
 * How to load a model.
 *
 * @param contextSize tokens per request (prompt plus output); 0 means the model's own context length, capped at
 *     {@link #DEFAULT_CONTEXT_CAP}
 * @param parallel requests generated at once (llama.cpp slots, continuous batching)
 * @param threads CPU threads for decoding; 0 means {@link #defaultThreads()}
 * @param template {@code auto} (the GGUF's template, else {@code plain}), {@code gguf}, {@code chatml} or {@code plain}
 */
public record EngineConfig(Path model, int contextSize, int parallel, int threads, boolean embeddings, String template) {

    public static final int DEFAULT_CONTEXT_CAP = 4096;

    /**
     * Half the cores, at least 1 and at most 8. On small machines one decoding thread is much faster than two for
     * small models (thread synchronisation dominates; see docs/benchmarks), so the default stays low.
     */
    public static int defaultThreads() {
        return Math.clamp(Runtime.getRuntime().availableProcessors() / 2, 1, 8);
    }
}
