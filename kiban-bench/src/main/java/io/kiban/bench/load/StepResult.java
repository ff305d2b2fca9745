package io.kiban.bench.load;

import java.util.Map;

/**
 * The measured outcome of one step of a run (one workload at one concurrency or one rate).
 *
 * @param mode {@code closed} (fixed concurrency), {@code open} (constant or Poisson arrivals) or {@code trace}
 * @param concurrency virtual users in closed mode; 0 otherwise
 * @param rate intended requests per second in open mode; the trace's mean rate in trace mode; 0 in closed mode
 * @param durationSeconds from the step start (after warm-up) to the last completion
 * @param requests successful requests
 * @param failures failed requests by kind ({@code http_429}, {@code io}, {@code timeout}, {@code incomplete}…)
 * @param usageMissing requests whose response had no {@code usage} (token counts then come from counting events)
 * @param latencyMs from send (open loop: from the intended send time) to the last byte
 * @param ttftMs time to the first generated text, streaming only (open loop: from the intended send time)
 * @param tpotMs per request: (latency − TTFT) ÷ (output tokens − 1), streaming only
 * @param itlMs gaps between consecutive text events, streaming only
 * @param ttfbMs time to the response head
 * @param sendLagMs actual send time − intended send time (open loop); large values mean the generator fell behind
 * @param generatorCpuCores CPU used by this benchmark process during the step, in cores (1.0 = one core busy)
 * @param generatorCpuMicrosPerRequest that CPU time per request sent (warm-up included), µs
 */
public record StepResult(
        String workload,
        String mode,
        int concurrency,
        double rate,
        boolean stream,
        double durationSeconds,
        long requests,
        long failed,
        Map<String, Long> failures,
        long promptTokens,
        long completionTokens,
        long cachedTokens,
        long usageMissing,
        double requestsPerSecond,
        double outputTokensPerSecond,
        double totalTokensPerSecond,
        Stats latencyMs,
        Stats ttftMs,
        Stats tpotMs,
        Stats itlMs,
        Stats ttfbMs,
        Stats sendLagMs,
        double generatorCpuCores,
        double generatorCpuMicrosPerRequest) {

    /** A short label: {@code c=16} or {@code 20 req/s}. */
    public String load() {
        return switch (mode) {
            case "closed" -> "c=" + concurrency;
            case "open" -> fmtRate(rate) + " req/s";
            default -> "trace " + fmtRate(rate) + " req/s";
        };
    }

    private static String fmtRate(double r) {
        return r == Math.rint(r) ? Long.toString((long) r) : String.format("%.2f", r);
    }
}
