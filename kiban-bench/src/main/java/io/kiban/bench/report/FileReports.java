package io.kiban.bench.report;

import io.kiban.api.Json;
import io.kiban.bench.load.Stats;
import io.kiban.bench.load.StepResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.SerializationFeature;

/**
 * Writes a run's files: {@code results.json} (everything), {@code results.csv} (one row per step),
 * {@code report.md} (the tables) and {@code report.html} (tables and charts, self-contained).
 */
public final class FileReports {
    private FileReports() {}

    public static List<Path> write(Path dir, RunReport report) throws IOException {
        Files.createDirectories(dir);
        List<Path> out = new ArrayList<>();
        Path json = dir.resolve("results.json");
        Files.write(json, Json.MAPPER.writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(report));
        out.add(json);
        Path csv = dir.resolve("results.csv");
        Files.writeString(csv, csv(report.steps()), StandardCharsets.UTF_8);
        out.add(csv);
        Path md = dir.resolve("report.md");
        Files.writeString(md, TableReport.render(report), StandardCharsets.UTF_8);
        out.add(md);
        Path html = dir.resolve("report.html");
        Files.writeString(html, HtmlReport.render(report), StandardCharsets.UTF_8);
        out.add(html);
        return out;
    }

    static final String[] STAT_COLUMNS = {"mean", "p50", "p90", "p99", "max"};

    public static String csv(List<StepResult> steps) {
        StringBuilder sb = new StringBuilder("workload,mode,concurrency,rate,stream,duration_s,requests,failed,failures,"
                + "prompt_tokens,completion_tokens,cached_tokens,requests_per_s,output_tokens_per_s,total_tokens_per_s");
        for (String m : new String[] {"latency", "ttft", "tpot", "itl", "ttfb"}) {
            for (String c : STAT_COLUMNS) {
                sb.append(',').append(m).append('_').append(c).append("_ms");
            }
        }
        sb.append(",generator_cpu_cores,generator_cpu_us_per_request\n");
        for (StepResult s : steps) {
            sb.append(s.workload()).append(',').append(s.mode()).append(',').append(s.concurrency()).append(',')
                    .append(d(s.rate())).append(',').append(s.stream()).append(',').append(d(s.durationSeconds()))
                    .append(',').append(s.requests()).append(',').append(s.failed()).append(",\"")
                    .append(TableReport.failures(s).replace("\"", "'").replace(", ", "; ")).append("\",").append(s.promptTokens())
                    .append(',').append(s.completionTokens()).append(',').append(s.cachedTokens()).append(',')
                    .append(d(s.requestsPerSecond())).append(',').append(d(s.outputTokensPerSecond())).append(',')
                    .append(d(s.totalTokensPerSecond()));
            for (Stats st : new Stats[] {s.latencyMs(), s.ttftMs(), s.tpotMs(), s.itlMs(), s.ttfbMs()}) {
                sb.append(',').append(d(st.mean())).append(',').append(d(st.p50())).append(',').append(d(st.p90()))
                        .append(',').append(d(st.p99())).append(',').append(d(st.max()));
            }
            sb.append(',').append(d(s.generatorCpuCores())).append(',').append(d(s.generatorCpuMicrosPerRequest()));
            sb.append('\n');
        }
        return sb.toString();
    }

    private static String d(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }
}
