package io.kiban.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.kiban.api.Json;
import io.kiban.bench.client.JdkLlmClient;
import io.kiban.bench.client.LlmClient;
import io.kiban.bench.client.RawHttpClient;
import io.kiban.bench.client.Target;
import io.kiban.bench.load.LoadRunner;
import io.kiban.bench.load.StepResult;
import io.kiban.bench.report.RunReport;
import io.kiban.bench.sim.SimTokenizer;
import io.kiban.bench.sim.Simulator;
import io.kiban.bench.workload.QaWorkload;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xml.sax.InputSource;

/** Runs the benchmark against an in-process simulator whose timing is known, and checks what it measures. */
class BenchIT {
    @TempDir
    Path dir;

    private static LoadRunner.Limits limits(double seconds) {
        return new LoadRunner.Limits(Duration.ofMillis((long) (seconds * 1000)), 0, Duration.ZERO, Duration.ofSeconds(10));
    }

    private static long promptTokensOfFirst(QaWorkload qa, long n) {
        long sum = 0;
        for (long i = 0; i < n; i++) {
            sum += SimTokenizer.count(qa.prompt(i).text());
        }
        return sum;
    }

    private void measures_ttft_itl_and_tokens_of_the_simulator(LlmClient client, Simulator sim) {
        RequestBodies bodies = new RequestBodies("sim", true, false, null);
        QaWorkload qa = QaWorkload.bundled(20);
        StepResult r = new LoadRunner(client, null).closed("qa", "qa", bodies.jobs(qa, true), 2, limits(1.5), true);
        assertThat(r.failed()).isZero();
        assertThat(r.requests()).isBetween(6L, 16L);
        assertThat(r.completionTokens()).isEqualTo(20 * r.requests());
        assertThat(r.promptTokens()).isEqualTo(promptTokensOfFirst(qa, r.requests()));
        assertThat(r.ttftMs().p50()).isCloseTo(50, within(15.0));
        assertThat(r.itlMs().p50()).isCloseTo(10, within(2.5));
        assertThat(r.tpotMs().p50()).isCloseTo(10, within(2.5));
        assertThat(r.itlMs().count()).isEqualTo(19 * r.requests());
        assertThat(r.latencyMs().p50()).as("50 + 19 x 10 ms").isCloseTo(240, within(40.0));
        assertThat(r.outputTokensPerSecond()).isCloseTo(r.completionTokens() / r.durationSeconds(), within(0.01));
    }

    @Test
    void raw_client_measures_ttft_itl_and_tokens_within_tolerance() {
        try (Simulator sim = Simulator.builder().ttft(Duration.ofMillis(50)).itl(Duration.ofMillis(10)).start();
                LlmClient client = new RawHttpClient(Target.parse(sim.baseUrl(), "k", List.of()), Duration.ofSeconds(10))) {
            measures_ttft_itl_and_tokens_of_the_simulator(client, sim);
        }
    }

    @Test
    void jdk_client_measures_the_same() {
        try (Simulator sim = Simulator.builder().ttft(Duration.ofMillis(50)).itl(Duration.ofMillis(10)).start();
                LlmClient client = new JdkLlmClient(Target.parse(sim.baseUrl(), "k", List.of()), Duration.ofSeconds(10))) {
            measures_ttft_itl_and_tokens_of_the_simulator(client, sim);
        }
    }

    @Test
    void open_loop_latency_includes_queueing_when_the_rate_exceeds_capacity() {
        // One slot, 50 ms per request: capacity 20 req/s. At 40 req/s for 1.5 s the queue grows by ~20 requests a
        // second, so latency measured from the intended send time must grow to about a second, not stay at 50 ms.
        try (Simulator sim = Simulator.builder().maxConcurrency(1).ttft(Duration.ofMillis(50)).tokens(1).start();
                LlmClient client = new RawHttpClient(Target.parse(sim.baseUrl(), null, List.of()), Duration.ofSeconds(10))) {
            RequestBodies bodies = new RequestBodies("sim", true, false, null);
            LoadRunner runner = new LoadRunner(client, null);
            QaWorkload qa = QaWorkload.bundled(1);
            StepResult closed = runner.closed("qa", "qa", bodies.jobs(qa, false), 1, limits(0.5), false);
            assertThat(closed.latencyMs().p99()).as("closed loop: no queue").isLessThan(120);
            StepResult open = runner.open("qa", "qa", "open", 40, bodies.jobs(qa, false),
                    LoadRunner.Schedule.constant(40), limits(1.5), 1000, false);
            assertThat(open.failed()).isZero();
            assertThat(open.requests()).isEqualTo(60);
            assertThat(open.latencyMs().p50()).isGreaterThan(400);
            assertThat(open.latencyMs().max()).isGreaterThan(1200);
            assertThat(open.requestsPerSecond()).as("served at capacity").isCloseTo(20, within(4.0));
            assertThat(open.sendLagMs().p99()).as("the generator kept its schedule, within a shared box's noise")
                    .isLessThan(250);
        }
    }

    @Test
    void failures_are_counted_by_kind() {
        try (Simulator sim = Simulator.builder().errorEvery(4).errorStatus(503).dropAfter(2).tokens(5).start();
                LlmClient client = new RawHttpClient(Target.parse(sim.baseUrl(), null, List.of()), Duration.ofSeconds(5))) {
            RequestBodies bodies = new RequestBodies("sim", true, false, null);
            LoadRunner.Limits twenty = new LoadRunner.Limits(Duration.ofSeconds(5), 20, Duration.ZERO, Duration.ofSeconds(5));
            StepResult r = new LoadRunner(client, null).closed("qa", "qa", bodies.jobs(QaWorkload.bundled(5), true), 1,
                    twenty, true);
            assertThat(r.requests()).isZero();
            assertThat(r.failures()).containsEntry("http_503", 5L).containsEntry("incomplete", 15L);
        }
    }

    @Test
    void bench_main_writes_table_json_csv_and_html_that_parse() throws Exception {
        try (Simulator sim = Simulator.builder().ttft(Duration.ofMillis(5)).itl(Duration.ofMillis(1)).start()) {
            Path out = dir.resolve("run");
            ByteArrayOutputStream stdout = new ByteArrayOutputStream();
            ByteArrayOutputStream stderr = new ByteArrayOutputStream();
            int code = BenchMain.run(new String[] {"--url", sim.baseUrl(), "--key", "secret-key", "--workload",
                "qa,summarize", "--concurrency", "1,2", "--duration", "300ms", "--max-tokens", "8", "--stream", "both",
                "--context-tokens", "1024", "--out", out.toString(), "--no-progress"},
                    new PrintStream(stdout, true, StandardCharsets.UTF_8), new PrintStream(stderr, true, StandardCharsets.UTF_8));
            String table = stdout.toString(StandardCharsets.UTF_8);
            assertThat(code).as(stderr.toString(StandardCharsets.UTF_8)).isZero();
            assertThat(table).contains("| workload | concurrency | throughput (tok/s) | latency (mean) |")
                    .contains("| qa, stream | 1 / 2 |").contains("| summarize, non-stream | 1 / 2 |");

            RunReport report = Json.MAPPER.readValue(Files.readAllBytes(out.resolve("results.json")), RunReport.class);
            assertThat(report.steps()).hasSize(8);
            assertThat(report.info().model()).isEqualTo("sim");
            assertThat(report.info().command()).contains("***").doesNotContain("secret-key");
            assertThat(report.steps()).allMatch(s -> s.requests() > 0 && s.failed() == 0);
            StepResult summarize = report.steps().stream().filter(s -> s.workload().equals("summarize")).findFirst()
                    .orElseThrow();
            assertThat(summarize.promptTokens() / summarize.requests()).as("cut to the context").isBetween(300L, 1024L);

            List<String> csv = Files.readAllLines(out.resolve("results.csv"));
            assertThat(csv).hasSize(1 + 8);
            assertThat(csv.getFirst()).startsWith("workload,mode,concurrency");
            assertThat(csv.get(1).split(",", -1).length).isEqualTo(csv.getFirst().split(",").length);

            String html = Files.readString(out.resolve("report.html"));
            assertThat(html).doesNotContain("<script").contains("Throughput, total tokens/s");
            Matcher svg = Pattern.compile("<svg.*?</svg>", Pattern.DOTALL).matcher(html);
            int charts = 0;
            while (svg.find()) {
                DocumentBuilderFactory.newInstance().newDocumentBuilder()
                        .parse(new InputSource(new StringReader(svg.group())));
                charts++;
            }
            assertThat(charts).isGreaterThanOrEqualTo(5);
            assertThat(Files.readString(out.resolve("report.md"))).isEqualTo(table.substring(table.indexOf("kiban bench"),
                    table.indexOf("\nWrote")));
        }
    }

    @Test
    void trace_replay_follows_timestamps_and_exercises_the_prefix_cache() throws Exception {
        Path trace = dir.resolve("mooncake.jsonl");
        Files.writeString(trace, """
                {"timestamp": 0, "input_length": 1100, "output_length": 4, "hash_ids": [1, 2, 3]}
                {"timestamp": 400, "input_length": 1100, "output_length": 4, "hash_ids": [1, 2, 4]}
                {"timestamp": 800, "input_length": 600, "output_length": 4, "hash_ids": [5, 6]}
                {"timestamp": 1200, "input_length": 600, "output_length": 4, "hash_ids": [5, 6]}
                """);
        try (Simulator sim = Simulator.builder().prefixCache(10_000, 16).start()) {
            Path out = dir.resolve("trace");
            int code = BenchMain.run(new String[] {"--url", sim.baseUrl(), "--workload", "trace", "--trace",
                trace.toString(), "--speedup", "2", "--out", out.toString(), "--no-progress"},
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                    new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8));
            assertThat(code).isZero();
            StepResult r = Json.MAPPER.readValue(Files.readAllBytes(out.resolve("results.json")), RunReport.class)
                    .steps().getFirst();
            assertThat(r.mode()).isEqualTo("trace");
            assertThat(r.requests()).isEqualTo(4);
            assertThat(r.promptTokens()).isEqualTo(1100 + 1100 + 600 + 600);
            assertThat(r.completionTokens()).isEqualTo(16);
            assertThat(r.durationSeconds()).as("last arrival at 0.6 s after 2x speed-up").isBetween(0.58, 1.5);
            // row 2 reuses blocks 1 and 2 (1024 tokens); row 4 reuses all of row 3 (600 tokens, 592 in full blocks)
            assertThat(r.cachedTokens()).isEqualTo(1024 + 592);
            assertThat(sim.stats().prefixHitBlocks()).isEqualTo((1024 + 592) / 16);
        }
    }
}
