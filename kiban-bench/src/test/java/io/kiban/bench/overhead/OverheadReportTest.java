package io.kiban.bench.overhead;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.api.Json;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

/** The report's arithmetic on synthetic windows: added = target − direct per round, ratios per round, medians. */
class OverheadReportTest {
    @TempDir
    Path dir;

    private static OverheadConfig config(Path out) {
        return new OverheadConfig("quick", 2, 5, 10, 2000, 1000, List.of(16, 64), 2, List.of(64, 128), 6, 1, "0", out,
                out, out, out, "java", "nginx", 18000, 18080, List.of("direct", "nginx", "kiban-gov", "portkey"), null,
                null, "abc123");
    }

    private static Measurement s1(String target, int round, double p50) {
        return Measurement.of(target, round, "S1").put("p50_ms", p50).put("p99_ms", p50 * 3).put("failed", 0);
    }

    private static Measurement s2(String target, int round, int c, double cpu) {
        return Measurement.of(target, round, "S2 c=" + c).put("rps", 1e6 / cpu).put("cpu_us_per_req", cpu)
                .put("rss_mb", 100).put("gen_cpu_busy", 0.5).put("errors", 0).put("foreign_cores", 0.01);
    }

    @Test
    void computes_added_latency_and_ratios_within_rounds() throws Exception {
        Protocol p = new Protocol(config(dir), new PrintStream(PrintStream.nullOutputStream()));
        p.measuredTargets.addAll(List.of("direct", "nginx", "kiban-gov", "portkey"));
        double[][] p50 = {{0.05, 0.15, 0.25, 1.05}, {0.06, 0.14, 0.26, 1.26}}; // per round: direct, nginx, kiban, portkey
        for (int r = 1; r <= 2; r++) {
            String[] names = {"direct", "nginx", "kiban-gov", "portkey"};
            double[] cpu = {9, 20, 60, 700};
            for (int i = 0; i < names.length; i++) {
                p.measurements.add(s1(names[i], r, p50[r - 1][i]));
                p.measurements.add(s2(names[i], r, 16, cpu[i] * r));
                p.measurements.add(s2(names[i], r, 64, cpu[i]));
            }
        }
        p.measurements.add(Measurement.of("kiban-gov", 0, "S3").put("max_rps_p99_le_10ms", 6000));
        p.measurements.add(Measurement.of("portkey", 0, "S3").put("max_rps_p99_le_10ms", 0));
        Map<String, String> env = new LinkedHashMap<>();
        env.put("commit", "abc123");
        new OverheadReport(config(dir), p, env).write(dir);

        String md = Files.readString(dir.resolve("overhead.md"));
        // R1g per round: (0.25-0.05)/(0.15-0.05) = 2.0 and (0.26-0.06)/(0.14-0.06) = 2.5 -> median 2.25
        assertThat(md).contains("| R1g | Kiban governed added p50 at c=1 ÷ nginx added p50 | 2.25 [2.00–2.50] | ≤ 2.5 |");
        // R2 per round: 60/20 and 120/40 -> 3.00
        assertThat(md).contains("| R2 | Kiban governed CPU µs/req ÷ nginx CPU µs/req (c=16) | 3.00 [3.00–3.00] | ≤ 5 |");
        assertThat(md).contains("| R3 | Kiban governed max RPS (p99 ≤ 10 ms) ÷ Portkey's | ∞ (the denominator reached no level)");
        assertThat(md).contains("| R1 | Kiban pass-through added p50 at c=1 ÷ nginx added p50 | n/a (target not measured)");
        assertThat(md).contains("| nginx | 0.090 ms [0.080–0.100] |");

        JsonNode json = Json.MAPPER.readTree(Files.readString(dir.resolve("overhead.json")));
        assertThat(json.at("/summary/kiban-gov/added_p50_ms_c1").asDouble()).isCloseTo(0.2, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(json.at("/environment/load average after").asString()).isNotEmpty();
        assertThat(json.get("measurements").size()).isEqualTo(26);
    }
}
