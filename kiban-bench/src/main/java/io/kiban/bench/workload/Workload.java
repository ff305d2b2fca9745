package io.kiban.bench.workload;

/** A source of prompts for a benchmark step. Implementations are immutable and thread-safe. */
public interface Workload {
    /** {@code qa}, {@code summarize}, {@code trace} or a custom name. */
    String name();

    /** The {@code i}-th prompt (0-based), or null when a finite workload is exhausted. */
    Prompt prompt(long i);

    /** Number of distinct prompts, or -1 when unbounded; the prompts of a cyclic workload repeat after this. */
    long size();

    /** Whether prompts carry arrival offsets (a trace), so the workload runs open-loop on its own schedule. */
    default boolean timed() {
        return false;
    }
}
