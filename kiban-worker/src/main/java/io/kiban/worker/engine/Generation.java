package io.kiban.worker.engine;

/**
 * A running generation. {@link #next()} blocks for the next piece of text; the caller drains it to the end or
 * calls {@link #cancel()} (for example when the client went away), which frees the slot.
 */
public interface Generation {

    /** The next piece of text (possibly empty while a stop sequence is being matched), or null when finished. */
    String next() throws EngineException;

    /** Tokens generated so far. */
    int tokens();

    void cancel();
}
