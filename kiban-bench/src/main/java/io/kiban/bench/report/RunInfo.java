package io.kiban.bench.report;

import java.util.List;

/**
 * What a run was: target, settings and machine, so that every published number names its conditions.
 *
 * @param command the command-line arguments, with the API key redacted
 * @param client the HTTP client used ({@code raw} or {@code jdk})
 * @param machine CPU model and count, OS and Java version of the machine that ran the benchmark
 */
public record RunInfo(
        String tool,
        String startedAt,
        String url,
        String model,
        List<String> command,
        String client,
        String machine,
        String label) {}
