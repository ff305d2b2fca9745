package io.kiban.bench.workload;

/**
 * One request of a recorded trace.
 *
 * @param offsetNanos arrival time after the trace's first request
 * @param hashIds Mooncake prefix-block ids (512 tokens each), or null
 */
public record TraceRow(long offsetNanos, int inputTokens, int outputTokens, long[] hashIds) {}
