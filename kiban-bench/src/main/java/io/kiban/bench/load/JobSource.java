package io.kiban.bench.load;

/** Produces the requests of a step; thread-safe. */
@FunctionalInterface
public interface JobSource {
    /** The {@code i}-th request (0-based), or null when there are no more. */
    Job job(long i);
}
