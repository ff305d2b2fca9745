package io.kiban.bench.overhead;

import io.kiban.api.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import tools.jackson.databind.SerializationFeature;

/**
 * Turns the protocol's measurements into {@code overhead.json} (everything) and {@code overhead.md}: headline ratios
 * first (performance.md §6.6), then per-target medians with the range across rounds, the per-round windows, the
 * S3 ladders and S5 levels, and the guardrail checks (§6.1.4). "Added" numbers are target minus direct within the
 * same round; ratios are computed within each round, then the median is reported.
 */
final class OverheadReport {
    private final OverheadConfig cfg;
    private final Protocol p;
    private final Map<String, String> environment;

    OverheadReport(OverheadConfig cfg, Protocol p, Map<String, String> environment) {
        this.cfg = cfg;
        this.p = p;
        this.environment = environment;
    }

    void write(Path dir) throws IOException {
        Files.createDirectories(dir);
        environment.put("load average after", loadAverage());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("environment", environment);
        json.put("config", cfg);
        json.put("notes", p.notes);
        json.put("idle_rss_mb", p.idleRssMb);
        json.put("recovered_rss_mb", p.recoveredRssMb);
        json.put("summary", summary());
        json.put("measurements", p.measurements);
        Files.write(dir.resolve("overhead.json"),
                Json.MAPPER.writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(json));
        Files.writeString(dir.resolve("overhead.md"), markdown(), StandardCharsets.UTF_8);
    }

    // ---- per-round values ----

    private Measurement find(String target, int round, String scenario) {
        for (Measurement m : p.measurements) {
            if (m.target().equals(target) && m.round() == round && m.scenario().equals(scenario)) {
                return m;
            }
        }
        return null;
    }

    private double value(String target, int round, String scenario, String key) {
        Measurement m = find(target, round, scenario);
        return m == null ? Double.NaN : m.get(key);
    }

    /** Per-round values of a metric for a target. */
    private List<Double> perRound(String target, ToDoubleFunction<Integer> f) {
        List<Double> out = new ArrayList<>();
        for (int r = 1; r <= cfg.rounds(); r++) {
            double v = f.applyAsDouble(r);
            if (!Double.isNaN(v)) {
                out.add(v);
            }
        }
        return out;
    }

    private List<Double> added(String target, String scenario, String key) {
        return perRound(target, r -> value(target, r, scenario, key) - value("direct", r, scenario, key));
    }

    private List<Double> raw(String target, String scenario, String key) {
        return perRound(target, r -> value(target, r, scenario, key));
    }

    static double median(List<Double> xs) {
        if (xs.isEmpty()) {
            return Double.NaN;
        }
        List<Double> s = new ArrayList<>(xs);
        Collections.sort(s);
        int n = s.size();
        return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    }

    /** "median [min–max]" or "—". */
    static String mmm(List<Double> xs, String unit, int decimals) {
        if (xs.isEmpty()) {
            return "—";
        }
        String f = "%." + decimals + "f";
        String med = String.format(Locale.ROOT, f, median(xs));
        if (xs.size() == 1) {
            return med + unit;
        }
        return med + unit + " [" + String.format(Locale.ROOT, f, Collections.min(xs)) + "–"
                + String.format(Locale.ROOT, f, Collections.max(xs)) + "]";
    }

    private static String num(double v, int decimals) {
        return Double.isNaN(v) ? "—" : String.format(Locale.ROOT, "%,." + decimals + "f", v);
    }

    /** Medians per target, for the JSON summary and the tables. */
    Map<String, Map<String, Double>> summary() {
        Map<String, Map<String, Double>> out = new LinkedHashMap<>();
        for (String t : p.measuredTargets) {
            Map<String, Double> m = new LinkedHashMap<>();
            m.put("added_p50_ms_c1", median(added(t, "S1", "p50_ms")));
            m.put("added_p99_ms_c1", median(added(t, "S1", "p99_ms")));
            m.put("p50_ms_c1", median(raw(t, "S1", "p50_ms")));
            for (int c : cfg.s2Connections()) {
                m.put("rps_c" + c, median(raw(t, "S2 c=" + c, "rps")));
                m.put("p99_ms_c" + c, median(raw(t, "S2 c=" + c, "p99_ms")));
                m.put("cpu_us_per_req_c" + c, median(raw(t, "S2 c=" + c, "cpu_us_per_req")));
            }
            m.put("added_ttfb_p50_ms", median(added(t, "S4a", "ttfb_p50_ms")));
            m.put("added_ttfb_p99_ms", median(added(t, "S4a", "ttfb_p99_ms")));
            m.put("added_first_frame_p50_ms", median(added(t, "S4a", "first_frame_p50_ms")));
            m.put("added_itl_p99_ms", median(added(t, "S4b", "itl_p99_ms")));
            m.put("cpu_us_per_chunk", median(raw(t, "S4b", "cpu_us_per_chunk")));
            m.put("max_rps_p99_le_10ms", value(t, 0, "S3", "max_rps_p99_le_10ms"));
            m.put("max_rps_p99_le_1ms", value(t, 0, "S3", "max_rps_p99_le_1ms"));
            m.put("sustained_streams", value(t, 0, "S5", "sustained_streams"));
            m.put("rss_idle_mb", p.idleRssMb.getOrDefault(t, Double.NaN));
            m.put("rss_steady_mb", median(raw(t, "S2 c=" + cfg.s2Connections().getLast(), "rss_mb")));
            m.put("rss_recovered_mb", p.recoveredRssMb.getOrDefault(t, Double.NaN));
            out.put(t, m);
        }
        return out;
    }

    /** Per-round ratio a/b of a metric, both computed by {@code f(target, round)}. */
    private List<Double> roundRatio(String a, String b, MetricFn f) {
        List<Double> out = new ArrayList<>();
        if (!p.measuredTargets.contains(a) || !p.measuredTargets.contains(b)) {
            return out;
        }
        for (int r = 1; r <= cfg.rounds(); r++) {
            double v = f.at(a, r) / f.at(b, r);
            if (!Double.isNaN(v) && !Double.isInfinite(v)) {
                out.add(v);
            }
        }
        return out;
    }

    @FunctionalInterface
    interface MetricFn {
        double at(String target, int round);
    }

    private double addedAt(String t, int r, String scenario, String key) {
        return value(t, r, scenario, key) - value("direct", r, scenario, key);
    }

    String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("# Gateway overhead protocol (").append(cfg.profile()).append(" profile)\n\n");
        for (Map.Entry<String, String> e : environment.entrySet()) {
            sb.append("- **").append(e.getKey()).append("**: ").append(e.getValue()).append('\n');
        }
        sb.append("- **setup**: SUT pinned to CPU ").append(cfg.sutCpu()).append("; simulator, wrk and the Java probe on CPU ")
                .append(cfg.genCpus()).append("; ").append(cfg.rounds()).append(" interleaved rounds, ")
                .append(cfg.window()).append(" s windows, ").append(cfg.warmup()).append(" s warm-up per target; ")
                .append("all on 127.0.0.1\n");
        sb.append("- **targets measured**: ").append(String.join(", ", p.measuredTargets)).append('\n');
        for (String n : p.notes) {
            sb.append("- **note**: ").append(n).append('\n');
        }
        int lastC = cfg.s2Connections().getLast();
        int firstC = cfg.s2Connections().getFirst();
        Map<String, Map<String, Double>> sum = summary();

        sb.append("\n## Headline ratios (performance.md §6.6; median of per-round ratios [min–max])\n\n");
        sb.append("| ratio | definition | value | goal |\n|---|---|---|---|\n");
        String kiban = "kiban-gov";
        String kibanPass = "kiban-pass";
        ratioRow(sb, "R1", "Kiban pass-through added p50 at c=1 ÷ nginx added p50",
                roundRatio(kibanPass, "nginx", (t, r) -> addedAt(t, r, "S1", "p50_ms")), "≤ 2.5");
        ratioRow(sb, "R1g", "Kiban governed added p50 at c=1 ÷ nginx added p50",
                roundRatio(kiban, "nginx", (t, r) -> addedAt(t, r, "S1", "p50_ms")), "≤ 2.5");
        ratioRow(sb, "R2", "Kiban governed CPU µs/req ÷ nginx CPU µs/req (c=" + firstC + ")",
                roundRatio(kiban, "nginx", (t, r) -> value(t, r, "S2 c=" + firstC, "cpu_us_per_req")), "≤ 5");
        ratioRow(sb, "R3", "Kiban governed max RPS (p99 ≤ 10 ms) ÷ Portkey's",
                single(sum, kiban, "portkey", "max_rps_p99_le_10ms"), "≥ 6");
        ratioRow(sb, "R4", "Portkey added TTFB ÷ Kiban governed added TTFB",
                roundRatio("portkey", kiban, (t, r) -> addedAt(t, r, "S4a", "ttfb_p50_ms")), "≥ 50");
        ratioRow(sb, "R5", "Kiban governed steady RSS ÷ Portkey steady RSS (c=" + lastC + ")",
                roundRatio(kiban, "portkey", (t, r) -> value(t, r, "S2 c=" + lastC, "rss_mb")), "≤ 1.2");
        ratioRow(sb, "R6", "Kiban governed streams sustained ÷ Portkey's",
                single(sum, kiban, "portkey", "sustained_streams"), "≥ 5");
        sb.append("| R7 | via-Kiban tok/s ÷ direct tok/s | needs a model runtime (kiban bench, S10/S12) | ≥ 0.99 |\n");
        sb.append("\nPeer ratios, same method (for context):\n\n| ratio | value |\n|---|---|\n");
        ratioRow2(sb, "Portkey added p50 at c=1 ÷ nginx added p50",
                roundRatio("portkey", "nginx", (t, r) -> addedAt(t, r, "S1", "p50_ms")));
        ratioRow2(sb, "Portkey CPU µs/req ÷ nginx CPU µs/req (c=" + firstC + ")",
                roundRatio("portkey", "nginx", (t, r) -> value(t, r, "S2 c=" + firstC, "cpu_us_per_req")));
        ratioRow2(sb, "nginx max RPS (p99 ≤ 10 ms) ÷ Portkey's", single(sum, "nginx", "portkey", "max_rps_p99_le_10ms"));
        ratioRow2(sb, "Portkey added TTFB ÷ nginx added TTFB",
                roundRatio("portkey", "nginx", (t, r) -> addedAt(t, r, "S4a", "ttfb_p50_ms")));
        ratioRow2(sb, "nginx streams sustained ÷ Portkey's", single(sum, "nginx", "portkey", "sustained_streams"));

        sb.append("\n## Per target (median over rounds [min–max]; added = target − direct in the same round)\n\n");
        sb.append("| target | added p50 c=1 | added p99 c=1 | CPU µs/req c=").append(firstC).append(" | CPU µs/req c=")
                .append(lastC).append(" | RPS c=").append(firstC).append(" | RPS c=").append(lastC)
                .append(" | max RPS p99≤10 ms | added TTFB p50 / p99 | added ITL p99 | CPU µs/chunk | streams sustained "
                        + "| RSS idle / steady / recovered |\n");
        sb.append("|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
        for (String t : p.measuredTargets) {
            boolean d = t.equals("direct");
            Map<String, Double> s = sum.get(t);
            sb.append("| ").append(t).append(d ? " (simulator's own cost)" : "").append(" | ")
                    .append(d ? mmm(raw(t, "S1", "p50_ms"), " ms", 3) + " total" : mmm(added(t, "S1", "p50_ms"), " ms", 3))
                    .append(" | ")
                    .append(d ? mmm(raw(t, "S1", "p99_ms"), " ms", 3) + " total" : mmm(added(t, "S1", "p99_ms"), " ms", 3))
                    .append(" | ").append(mmm(raw(t, "S2 c=" + firstC, "cpu_us_per_req"), "", 1))
                    .append(" | ").append(mmm(raw(t, "S2 c=" + lastC, "cpu_us_per_req"), "", 1))
                    .append(" | ").append(mmm(raw(t, "S2 c=" + firstC, "rps"), "", 0))
                    .append(" | ").append(mmm(raw(t, "S2 c=" + lastC, "rps"), "", 0))
                    .append(" | ").append(num(s.get("max_rps_p99_le_10ms"), 0))
                    .append(" | ").append(d ? mmm(raw(t, "S4a", "ttfb_p50_ms"), " ms", 3) + " total"
                            : mmm(added(t, "S4a", "ttfb_p50_ms"), "", 3) + " / " + mmm(added(t, "S4a", "ttfb_p99_ms"), " ms", 3))
                    .append(" | ").append(d ? mmm(raw(t, "S4b", "itl_p99_ms"), " ms", 2) + " total"
                            : mmm(added(t, "S4b", "itl_p99_ms"), " ms", 2))
                    .append(" | ").append(mmm(raw(t, "S4b", "cpu_us_per_chunk"), "", 1))
                    .append(" | ").append(sustained(find(t, 0, "S5")))
                    .append(" | ").append(num(s.get("rss_idle_mb"), 0)).append(" / ").append(num(s.get("rss_steady_mb"), 0))
                    .append(" / ").append(num(s.get("rss_recovered_mb"), 0)).append(" MB |\n");
        }
        perRoundTables(sb);
        ladders(sb);
        guardrails(sb, sum);
        sb.append("\nWindows: S1 = ").append(cfg.s1Requests()).append(" sequential plain requests; S2 = wrk -t1 for ")
                .append(cfg.window()).append(" s; S3 = open-loop constant rate from ").append((int) Scenarios.S3_START)
                .append("/s ×1.5 for ").append(cfg.s3StepSeconds()).append(" s per step (after 0.5 s at the rate, at most ")
                .append(Scenarios.S3_CONNECTIONS).append(" connections); S4a = ").append(cfg.s4Requests())
                .append(" sequential 16-chunk streams; S4b = 64 concurrent 64-chunk streams paced at ")
                .append((int) Protocol.PACING_MS).append(" ms; S5 = ").append(cfg.s5Levels())
                .append(" concurrent paced streams, ").append(cfg.s5StepSeconds()).append(" s per level. CPU = utime+stime "
                        + "of every process of the target from /proc; for direct it is the simulator's.\n");
        return sb.toString();
    }

    private List<Double> single(Map<String, Map<String, Double>> sum, String a, String b, String key) {
        if (!sum.containsKey(a) || !sum.containsKey(b)) {
            return List.of();
        }
        double v = sum.get(a).get(key) / sum.get(b).get(key);
        if (Double.isInfinite(v)) {
            return List.of(Double.POSITIVE_INFINITY); // the denominator reached nothing (e.g. no S3 step met the bound)
        }
        return Double.isNaN(v) ? List.of() : List.of(v);
    }

    private static void ratioRow(StringBuilder sb, String id, String def, List<Double> v, String goal) {
        sb.append("| ").append(id).append(" | ").append(def).append(" | ").append(ratioText(v, "n/a (target not measured)"))
                .append(" | ").append(goal).append(" |\n");
    }

    private static void ratioRow2(StringBuilder sb, String def, List<Double> v) {
        sb.append("| ").append(def).append(" | ").append(ratioText(v, "n/a")).append(" |\n");
    }

    private static String ratioText(List<Double> v, String none) {
        if (v.isEmpty()) {
            return none;
        }
        if (v.size() == 1 && Double.isInfinite(v.getFirst())) {
            return "∞ (the denominator reached no level)";
        }
        return mmm(v, "", 2);
    }

    private void perRoundTables(StringBuilder sb) {
        sb.append("\n## Per round\n\n| round | target | S1 p50 / p99 | ");
        for (int c : cfg.s2Connections()) {
            sb.append("S2 c=").append(c).append(" RPS, p99, CPU µs/req, gen CPU | ");
        }
        sb.append("S4a TTFB p50 / p99 | S4b ITL p50 / p99, CPU µs/chunk | other processes' CPU (max) |\n|---|---|---|");
        sb.append("---|".repeat(cfg.s2Connections().size())).append("---|---|---|\n");
        for (int r = 1; r <= cfg.rounds(); r++) {
            for (String t : p.measuredTargets) {
                sb.append("| ").append(r).append(" | ").append(t).append(" | ")
                        .append(num(value(t, r, "S1", "p50_ms"), 3)).append(" / ").append(num(value(t, r, "S1", "p99_ms"), 3))
                        .append(" ms | ");
                for (int c : cfg.s2Connections()) {
                    String s = "S2 c=" + c;
                    sb.append(num(value(t, r, s, "rps"), 0)).append(", ").append(num(value(t, r, s, "p99_ms"), 2))
                            .append(" ms, ").append(num(value(t, r, s, "cpu_us_per_req"), 1)).append(", ")
                            .append(num(100 * value(t, r, s, "gen_cpu_busy"), 0)).append("% | ");
                }
                sb.append(num(value(t, r, "S4a", "ttfb_p50_ms"), 3)).append(" / ").append(num(value(t, r, "S4a", "ttfb_p99_ms"), 3))
                        .append(" ms | ").append(num(value(t, r, "S4b", "itl_p50_ms"), 2)).append(" / ")
                        .append(num(value(t, r, "S4b", "itl_p99_ms"), 2)).append(" ms, ")
                        .append(num(value(t, r, "S4b", "cpu_us_per_chunk"), 1)).append(" | ")
                        .append(num(100 * foreignMax(t, r), 0)).append("% of a core |\n");
            }
        }
    }

    /** The most CPU other processes used during a target's windows in a round, in cores. */
    private double foreignMax(String target, int round) {
        double max = Double.NaN;
        for (Measurement m : p.measurements) {
            if (m.target().equals(target) && m.round() == round && !Double.isNaN(m.get("foreign_cores"))) {
                max = Double.isNaN(max) ? m.get("foreign_cores") : Math.max(max, m.get("foreign_cores"));
            }
        }
        return max;
    }

    private void ladders(StringBuilder sb) {
        sb.append("\n## S3 throughput frontier (open loop, latency from the intended send time)\n\n");
        sb.append("| target | offered → achieved req/s (p99 ms) | max RPS with p99 ≤ 1 / 5 / 10 / 50 ms |\n|---|---|---|\n");
        for (String t : p.measuredTargets) {
            Measurement m = find(t, 0, "S3");
            if (m == null) {
                continue;
            }
            StringBuilder steps = new StringBuilder();
            for (Map<String, Double> s : m.steps()) {
                steps.append(steps.isEmpty() ? "" : ", ").append(num(s.get("rate"), 0)).append("→")
                        .append(num(s.get("achieved_rps"), 0)).append(" (").append(num(s.get("p99_ms"), 1))
                        .append(s.get("failed") > 0 ? ", " + num(s.get("failed"), 0) + " failed" : "").append(")");
            }
            sb.append("| ").append(t).append(" | ").append(steps).append(" | ").append(num(m.get("max_rps_p99_le_1ms"), 0))
                    .append(" / ").append(num(m.get("max_rps_p99_le_5ms"), 0)).append(" / ")
                    .append(num(m.get("max_rps_p99_le_10ms"), 0)).append(" / ").append(num(m.get("max_rps_p99_le_50ms"), 0))
                    .append(" |\n");
        }
        sb.append("\n## S5 concurrent streams (64 chunks × ").append((int) Protocol.PACING_MS)
                .append(" ms; pass = no failure, every frame, no gap > 200 ms)\n\n");
        sb.append("| target | streams: pass? (ITL p99 / max ms, peak RSS MB, CPU µs/chunk) | sustained | RSS per stream |\n");
        sb.append("|---|---|---|---|\n");
        for (String t : p.measuredTargets) {
            Measurement m = find(t, 0, "S5");
            if (m == null) {
                continue;
            }
            StringBuilder steps = new StringBuilder();
            for (Map<String, Double> s : m.steps()) {
                steps.append(steps.isEmpty() ? "" : "; ").append(num(s.get("streams"), 0)).append(": ")
                        .append(s.get("pass") > 0 ? "pass" : "FAIL").append(" (").append(num(s.get("itl_p99_ms"), 1))
                        .append(" / ").append(num(s.get("itl_max_ms"), 0)).append(", ").append(num(s.get("peak_rss_mb"), 0))
                        .append(", ").append(num(s.get("cpu_us_per_chunk"), 1))
                        .append(s.get("failed") > 0 ? ", " + num(s.get("failed"), 0) + " failed" : "").append(")");
            }
            sb.append("| ").append(t).append(" | ").append(steps).append(m.note() == null ? "" : " — " + m.note())
                    .append(" | ").append(sustained(m)).append(" | ")
                    .append(Double.isNaN(m.get("rss_kb_per_stream")) ? "—" : num(m.get("rss_kb_per_stream"), 0) + " KiB")
                    .append(" |\n");
        }
    }

    /** Streams sustained, as "≥ N (rig-bound at M)" when the generator limited the search. */
    static String sustained(Measurement m) {
        if (m == null) {
            return "—";
        }
        String n = num(m.get("sustained_streams"), 0);
        return Double.isNaN(m.get("rig_bound_at")) ? n : "≥ " + n + " (rig-bound at " + num(m.get("rig_bound_at"), 0) + ")";
    }

    private void guardrails(StringBuilder sb, Map<String, Map<String, Double>> sum) {
        sb.append("\n## Guardrails (§6.1.4)\n\n");
        int c = cfg.s2Connections().getFirst();
        double direct = sum.containsKey("direct") ? sum.get("direct").get("rps_c" + c) : Double.NaN;
        double best = 0;
        String bestName = "-";
        for (String t : p.measuredTargets) {
            if (!t.equals("direct")) {
                double v = sum.get(t).get("rps_c" + c);
                if (v > best) {
                    best = v;
                    bestName = t;
                }
            }
        }
        sb.append("- Direct baseline c=").append(c).append(": ").append(num(direct, 0)).append(" req/s vs best SUT (")
                .append(bestName).append(") ").append(num(best, 0)).append(" req/s: ")
                .append(direct >= 3 * best ? "OK (≥ 3×)" : String.format(Locale.ROOT,
                        "**below 3× (%.1f×)**: the simulator and generator share one core, so the fastest SUT's "
                                + "throughput is partly rig-bound; compare CPU µs/req, not RPS, for it", direct / best))
                .append('\n');
        List<String> busy = new ArrayList<>();
        List<String> errors = new ArrayList<>();
        for (Measurement m : p.measurements) {
            if (m.target().equals("direct") || m.round() == 0) {
                continue;
            }
            // only throughput windows: in the sequential ones (S1, S4a) the generator CPU is busy by construction,
            // since client and simulator take turns with the target on one request at a time
            boolean throughput = m.scenario().startsWith("S2") || m.scenario().equals("S4b");
            if (throughput && m.get("gen_cpu_busy") > 0.9) {
                busy.add(m.target() + " r" + m.round() + " " + m.scenario() + " ("
                        + num(100 * m.get("gen_cpu_busy"), 0) + "%)");
            }
            double failed = Math.max(nz(m.get("failed")), nz(m.get("errors")));
            if (failed > 0) {
                errors.add(m.target() + " r" + m.round() + " " + m.scenario() + ": " + num(failed, 0));
            }
        }
        sb.append("- Generator CPU > 90% busy during SUT throughput windows (S2, S4b: rig-bound, throughput understated): ")
                .append(busy.isEmpty() ? "none" : String.join(", ", busy)).append('\n');
        List<String> noisy = new ArrayList<>();
        List<Double> foreign = new ArrayList<>();
        for (Measurement m : p.measurements) {
            double f = m.get("foreign_cores");
            if (!Double.isNaN(f)) {
                foreign.add(f);
                if (f > 0.15) {
                    noisy.add(m.target() + (m.round() == 0 ? "" : " r" + m.round()) + " " + m.scenario() + " ("
                            + num(100 * f, 0) + "%)");
                }
            }
        }
        sb.append("- CPU used by other processes on the protocol's CPUs (the machine is shared): median ")
                .append(foreign.isEmpty() ? "—" : num(100 * median(foreign), 0) + "% of a core")
                .append("; windows above 15%: ").append(noisy.isEmpty() ? "none" : String.join(", ", noisy)).append('\n');
        sb.append("- Errors outside the overload scenarios (S3, S5): ").append(errors.isEmpty() ? "none" : String.join(", ", errors))
                .append('\n');
    }

    static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return "?";
        }
    }

    private static double nz(double v) {
        return Double.isNaN(v) ? 0 : v;
    }
}
