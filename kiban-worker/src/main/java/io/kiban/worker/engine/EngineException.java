package io.kiban.worker.engine;

/** A failure inside the inference runtime (not the caller's fault). */
public final class EngineException extends Exception {
    public EngineException(String message, Throwable cause) {
        super(message, cause);
    }

    public EngineException(String message) {
        super(message);
    }
}
