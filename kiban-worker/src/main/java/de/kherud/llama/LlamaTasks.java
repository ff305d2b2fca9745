package de.kherud.llama;

/**
 * Access to the task-level native calls of de.kherud:llama 4.2.0, which the library keeps package-private.
 *
 * <p>Why: the public {@code generate(InferenceParameters)} cannot pass a pre-tokenized prompt, and its outputs
 * hide which one is the final "stop" result. Kiban tokenizes the prompt itself (to count tokens exactly and to
 * check the context window before any work) and sends llama.cpp's server-task JSON directly.
 *
 * <p>Never send {@code n_probs}: the 4.2.0 binding reads a field that llama.cpp no longer produces and aborts the
 * process (GGML_ASSERT in json.hpp). This is one reason model runtimes never run inside the server JVM.
 */
public final class LlamaTasks {
    private LlamaTasks() {}

    /** Posts a completion task (llama.cpp server JSON with {@code "stream": true}) and returns its id. */
    public static int request(LlamaModel model, String taskJson) throws LlamaException {
        return model.requestCompletion(taskJson);
    }

    /** Blocks until the next result of the task; the final result has {@link #isFinal} true and no text. */
    public static LlamaOutput receive(LlamaModel model, int taskId) throws LlamaException {
        return model.receiveCompletion(taskId);
    }

    public static boolean isFinal(LlamaOutput output) {
        return output.stop;
    }

    /** Stops the task at the next token and frees its slot. */
    public static void cancel(LlamaModel model, int taskId) {
        model.cancelCompletion(taskId);
    }
}
