package io.kiban.bench;

import io.kiban.bench.report.FileReports;
import io.kiban.bench.report.RunReport;
import io.kiban.bench.report.TableReport;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kiban bench}: throughput and latency of any OpenAI-compatible endpoint, as tables, JSON, CSV and HTML. */
@Command(name = "kiban bench", mixinStandardHelpOptions = true, sortOptions = false, usageHelpWidth = 110,
        version = "kiban bench 0.1",
        description = {
            "Measures throughput (output and total tokens/s, requests/s) and latency (p50/p90/p99, time to first",
            "token, time per output token, inter-token latency) of an OpenAI-compatible endpoint, and prints a table",
            "shaped like the seed's (workload x concurrency -> tok/s and latency). Writes results.json, results.csv,",
            "report.md and a self-contained report.html with charts to --out.",
            "",
            "Workloads: qa (short bundled questions), summarize (a bundled public-domain document cut to the",
            "model's context), trace (replay an Azure CSV or Mooncake JSONL trace on its own timestamps).",
            "Closed loop: --concurrency 1,4,16,64 (default). Open loop: --rate 5,10,20 (constant or Poisson",
            "arrivals; latency counted from the intended send time, so queueing is included).",
            ""},
        footer = {
            "",
            "Examples:",
            "  kiban bench --url http://127.0.0.1:8080/v1 --key $KEY --model stories",
            "  kiban bench --url http://127.0.0.1:8080/v1 --model m --workload qa --rate 2,4,8 --duration 60s",
            "  kiban bench --url http://127.0.0.1:8080/v1 --model m --workload trace \\",
            "      --trace AzureLLMInferenceTrace_conv.csv --speedup 10 --limit 2000 --max-input-tokens 400",
            "",
            "Exit status: 0 when every step had successful requests, 1 when a step had none, 2 on bad options."})
public final class BenchMain implements Callable<Integer> {
    @Option(names = "--url", required = true, description = "OpenAI base URL, e.g. http://127.0.0.1:8080/v1.")
    String url;

    @Option(names = "--key", description = "API key, sent as 'Authorization: Bearer <key>' (default: $KIBAN_API_KEY, "
            + "then $OPENAI_API_KEY).")
    String key;

    @Option(names = "--model", description = "Model id (default: the first one listed by GET /models).")
    String model;

    @Option(names = "--workload", split = ",", description = "qa, summarize, trace; comma-separated (default: qa,summarize).")
    List<String> workloads = new ArrayList<>(List.of("qa", "summarize"));

    @Option(names = "--concurrency", split = ",", description = "Closed-loop sweep (default: 1,4,16,64).")
    List<Integer> concurrency = new ArrayList<>(List.of(1, 4, 16, 64));

    @Option(names = "--rate", split = ",", description = "Open-loop sweep instead, in requests/s (e.g. 2,4,8).")
    List<Double> rates = new ArrayList<>();

    @Option(names = "--arrivals", description = "Open-loop arrivals: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    BenchRun.Arrivals arrivals = BenchRun.Arrivals.constant;

    @Option(names = "--stream", description = "true, false or both (default: ${DEFAULT-VALUE}).")
    String stream = "true";

    @Option(names = "--duration", converter = DurationConverter.class,
            description = "Length of each step, e.g. 30s, 2m (default: 30s; a trace runs its whole span).")
    Duration duration;

    @Option(names = "--requests", description = "Stop a step after this many measured requests (default: no limit).")
    long requests;

    @Option(names = "--warmup", converter = DurationConverter.class,
            description = "Load before each step's measurement starts, discarded (default: 0s).")
    Duration warmup = Duration.ZERO;

    @Option(names = "--max-tokens", description = "Output tokens per request (default: 256 for qa and summarize; "
            + "traces use each row's output length).")
    Integer maxTokens;

    @Option(names = "--ignore-eos", description = "Send ignore_eos=true so each request generates max_tokens.")
    boolean ignoreEos;

    @Option(names = "--temperature", description = "Sampling temperature to send (default: the server's).")
    Double temperature;

    @Option(names = "--endpoint", description = "chat or completions (default: ${DEFAULT-VALUE}).")
    String endpoint = "chat";

    @Option(names = "--context-tokens", description = "Model context for summarize (default: from GET /models, "
            + "else 4096).")
    Integer contextTokens;

    @Option(names = "--chars-per-token", description = "Tokenizer estimate for cutting the summarize document "
            + "(default: ${DEFAULT-VALUE}).")
    double charsPerToken = 3.0;

    @Option(names = "--trace", description = "Trace file for the trace workload (Azure CSV or Mooncake JSONL).")
    Path trace;

    @Option(names = "--trace-format", description = "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    io.kiban.bench.workload.TraceReader.Format traceFormat = io.kiban.bench.workload.TraceReader.Format.AUTO;

    @Option(names = "--speedup", description = "Divide trace inter-arrival times by this (default: ${DEFAULT-VALUE}).")
    double speedup = 1;

    @Option(names = "--limit", description = "Replay only the first N trace rows (default: all).")
    int limit;

    @Option(names = "--max-input-tokens", description = "Cap trace prompt lengths (default: none).")
    int maxInputTokens;

    @Option(names = "--max-output-tokens", description = "Cap trace output lengths (default: none).")
    int maxOutputTokens;

    @Option(names = "--timeout", converter = DurationConverter.class,
            description = "Per-request timeout (default: 300s).")
    Duration timeout = Duration.ofSeconds(300);

    @Option(names = "--max-in-flight", description = "Open-loop cap on requests in flight (default: ${DEFAULT-VALUE}).")
    int maxInFlight = 10_000;

    @Option(names = "--client", description = "HTTP client: raw (own HTTP/1.1 client) or jdk (default: ${DEFAULT-VALUE}).")
    String client = "raw";

    @Option(names = "--header", description = "Extra request header 'Name: value'; repeatable.")
    List<String> headers = new ArrayList<>();

    @Option(names = "--seed", description = "Seed for Poisson arrivals (default: ${DEFAULT-VALUE}).")
    long seed = 1;

    @Option(names = "--out", description = "Output directory (default: bench-results/<date-time>).")
    Path out;

    @Option(names = "--label", description = "Free text stored with the results (e.g. deployment notes).")
    String label;

    @Option(names = "--no-progress", description = "Do not print the progress line.")
    boolean noProgress;

    private String[] args = new String[0];

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Runs the command; returns the exit status (for tests and the {@code kiban} launcher). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        BenchMain m = new BenchMain();
        m.args = args.clone();
        CommandLine cl = new CommandLine(m).setCaseInsensitiveEnumValuesAllowed(true);
        cl.setOut(new java.io.PrintWriter(out, true));
        cl.setErr(new java.io.PrintWriter(err, true));
        m.stdout = out;
        m.stderr = err;
        return cl.execute(args);
    }

    private PrintStream stdout = System.out;
    private PrintStream stderr = System.err;

    @Override
    public Integer call() throws Exception {
        if (key == null) {
            key = System.getenv("KIBAN_API_KEY") != null ? System.getenv("KIBAN_API_KEY") : System.getenv("OPENAI_API_KEY");
        }
        BenchRun.Settings settings;
        try {
            settings = settings();
        } catch (IllegalArgumentException e) {
            stderr.println("kiban bench: " + e.getMessage());
            return 2;
        }
        RunReport report = new BenchRun(settings, noProgress ? null : stderr, stderr).run();
        stdout.println();
        stdout.print(TableReport.render(report));
        Path dir = out != null ? out
                : Path.of("bench-results", LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
        List<Path> files = FileReports.write(dir, report);
        stdout.println();
        stdout.println("Wrote " + files.stream().map(Path::toString).reduce((a, b) -> a + ", " + b).orElse(""));
        boolean anyEmpty = report.steps().stream().anyMatch(s -> s.requests() == 0);
        return report.steps().isEmpty() || anyEmpty ? 1 : 0;
    }

    private BenchRun.Settings settings() {
        List<Boolean> streams = switch (stream.toLowerCase()) {
            case "true", "yes", "on" -> List.of(true);
            case "false", "no", "off" -> List.of(false);
            case "both" -> List.of(true, false);
            default -> throw new IllegalArgumentException("--stream must be true, false or both (got " + stream + ").");
        };
        if (!endpoint.equals("chat") && !endpoint.equals("completions")) {
            throw new IllegalArgumentException("--endpoint must be chat or completions.");
        }
        for (String w : workloads) {
            if (!List.of("qa", "summarize", "trace").contains(w)) {
                throw new IllegalArgumentException("unknown workload '" + w + "'; use qa, summarize or trace.");
            }
        }
        if (workloads.contains("trace") && trace == null) {
            throw new IllegalArgumentException("the trace workload needs --trace FILE.");
        }
        if (concurrency.stream().anyMatch(c -> c < 1) || rates.stream().anyMatch(r -> r <= 0)) {
            throw new IllegalArgumentException("concurrency and rates must be positive.");
        }
        if (!client.equals("raw") && !client.equals("jdk")) {
            throw new IllegalArgumentException("--client must be raw or jdk.");
        }
        List<String> redacted = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.startsWith("--key=")) {
                redacted.add("--key=***");
            } else {
                redacted.add(i > 0 && args[i - 1].equals("--key") ? "***" : a);
            }
        }
        return new BenchRun.Settings(url, key, model, List.copyOf(workloads), List.copyOf(concurrency),
                List.copyOf(rates), arrivals, streams, duration, requests, warmup, maxTokens, ignoreEos, temperature,
                endpoint.equals("chat"), contextTokens, charsPerToken, trace, traceFormat, speedup, limit,
                maxInputTokens, maxOutputTokens, timeout, maxInFlight, client, List.copyOf(headers), seed, label,
                redacted);
    }
}
