package io.kiban.bench.report;

import io.kiban.bench.load.StepResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Markdown tables of a run. First the seed's shape (mdx MaaS paper, {@code BRIEF.md}): one row per workload, the
 * loads joined with slashes, throughput as total (prompt + output) tokens per second and latency as the mean request
 * latency; then one detailed row per step.
 */
public final class TableReport {
    private TableReport() {}

    /** Steps of one series (workload × stream mode), in run order. */
    static Map<String, List<StepResult>> series(List<StepResult> steps) {
        Map<String, List<StepResult>> out = new LinkedHashMap<>();
        for (StepResult s : steps) {
            out.computeIfAbsent(seriesName(s), k -> new ArrayList<>()).add(s);
        }
        return out;
    }

    static String seriesName(StepResult s) {
        return s.workload() + (s.stream() ? ", stream" : ", non-stream");
    }

    static String loadValue(StepResult s) {
        return switch (s.mode()) {
            case "closed" -> Integer.toString(s.concurrency());
            default -> Fmt.num(s.rate());
        };
    }

    public static String render(RunReport report) {
        StringBuilder sb = new StringBuilder();
        RunInfo i = report.info();
        sb.append("kiban bench — ").append(i.url()).append(", model ").append(i.model()).append(", ")
                .append(i.startedAt()).append('\n').append("machine: ").append(i.machine()).append('\n');
        if (i.label() != null && !i.label().isBlank()) {
            sb.append("label: ").append(i.label()).append('\n');
        }
        sb.append('\n');
        sb.append("| workload | concurrency | throughput (tok/s) | latency (mean) |\n|---|---|---|---|\n");
        for (Map.Entry<String, List<StepResult>> e : series(report.steps()).entrySet()) {
            List<StepResult> ss = e.getValue();
            String loadHeader = ss.getFirst().mode().equals("closed") ? "" : ss.getFirst().mode().equals("open")
                    ? " req/s" : " req/s (trace)";
            sb.append("| ").append(e.getKey()).append(" | ")
                    .append(ss.stream().map(TableReport::loadValue).collect(Collectors.joining(" / "))).append(loadHeader)
                    .append(" | ")
                    .append(ss.stream().map(s -> Fmt.num(s.totalTokensPerSecond())).collect(Collectors.joining(" / ")))
                    .append(" | ")
                    .append(ss.stream().map(s -> Fmt.num(s.latencyMs().mean() / 1000)).collect(Collectors.joining(" / ")))
                    .append(" s |\n");
        }
        sb.append('\n');
        sb.append("| workload | load | stream | ok | failed | req/s | output tok/s | total tok/s "
                + "| latency p50 / p90 / p99 | TTFT p50 / p99 | TPOT p50 | ITL p50 / p99 |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (StepResult s : report.steps()) {
            sb.append("| ").append(s.workload()).append(" | ").append(s.load()).append(" | ")
                    .append(s.stream() ? "yes" : "no").append(" | ").append(s.requests()).append(" | ")
                    .append(failures(s)).append(" | ").append(Fmt.num(s.requestsPerSecond())).append(" | ")
                    .append(Fmt.num(s.outputTokensPerSecond())).append(" | ").append(Fmt.num(s.totalTokensPerSecond()))
                    .append(" | ").append(Fmt.ms(s.latencyMs().p50())).append(" / ").append(Fmt.ms(s.latencyMs().p90()))
                    .append(" / ").append(Fmt.ms(s.latencyMs().p99())).append(" | ");
            if (s.stream() && s.ttftMs().count() > 0) {
                sb.append(Fmt.ms(s.ttftMs().p50())).append(" / ").append(Fmt.ms(s.ttftMs().p99())).append(" | ")
                        .append(Fmt.ms(s.tpotMs().p50())).append(" | ").append(Fmt.ms(s.itlMs().p50())).append(" / ")
                        .append(Fmt.ms(s.itlMs().p99())).append(" |\n");
            } else {
                sb.append("— | — | — |\n");
            }
        }
        for (String note : report.notes()) {
            sb.append("\nnote: ").append(note);
        }
        if (!report.notes().isEmpty()) {
            sb.append('\n');
        }
        return sb.toString();
    }

    static String failures(StepResult s) {
        if (s.failed() == 0) {
            return "0";
        }
        return s.failed() + " (" + s.failures().entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", ")) + ")";
    }
}
