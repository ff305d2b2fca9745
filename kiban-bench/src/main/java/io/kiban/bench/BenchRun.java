package io.kiban.bench;

import io.kiban.api.Json;
import io.kiban.bench.client.CallResult;
import io.kiban.bench.client.JdkLlmClient;
import io.kiban.bench.client.LlmClient;
import io.kiban.bench.client.RawHttpClient;
import io.kiban.bench.client.Target;
import io.kiban.bench.load.LoadRunner;
import io.kiban.bench.load.StepResult;
import io.kiban.bench.report.RunInfo;
import io.kiban.bench.report.RunReport;
import io.kiban.bench.workload.QaWorkload;
import io.kiban.bench.workload.SummarizeWorkload;
import io.kiban.bench.workload.TraceReader;
import io.kiban.bench.workload.TraceWorkload;
import io.kiban.bench.workload.Workload;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.JsonNode;

/**
 * One {@code kiban bench} run: resolves the model and its context, prepares the workloads (cutting the summarize
 * document until the server accepts it), runs every step in order — workload, then stream mode, then each
 * concurrency or rate — and returns the report.
 */
public final class BenchRun {
    /** Open-loop arrival processes. */
    public enum Arrivals { constant, poisson }

    /** Everything a run needs, validated by {@link BenchMain}. */
    public record Settings(
            String url,
            String key,
            String model,
            List<String> workloads,
            List<Integer> concurrency,
            List<Double> rates,
            Arrivals arrivals,
            List<Boolean> streams,
            Duration duration,
            long requests,
            Duration warmup,
            Integer maxTokens,
            boolean ignoreEos,
            Double temperature,
            boolean chat,
            Integer contextTokens,
            double charsPerToken,
            Path trace,
            TraceReader.Format traceFormat,
            double speedup,
            int limit,
            int maxInputTokens,
            int maxOutputTokens,
            Duration timeout,
            int maxInFlight,
            String client,
            List<String> headers,
            long seed,
            String label,
            List<String> command) {}

    static final Duration DEFAULT_DURATION = Duration.ofSeconds(30);
    static final int DEFAULT_MAX_TOKENS = 256;
    static final int DEFAULT_CONTEXT = 4096;

    private final Settings s;
    private final PrintStream progress;
    private final PrintStream log;
    private final List<String> notes = new ArrayList<>();

    public BenchRun(Settings settings, PrintStream progressOrNull, PrintStream log) {
        this.s = settings;
        this.progress = progressOrNull;
        this.log = log;
    }

    public RunReport run() throws IOException {
        Target target = Target.parse(s.url(), s.key(), s.headers());
        String started = OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS).toString();
        ModelInfo info = probeModels(target);
        String model = s.model() != null ? s.model() : info.firstModel();
        if (model == null) {
            throw new IOException("No --model given and GET " + target.uri("/models") + " listed none.");
        }
        List<StepResult> steps = new ArrayList<>();
        try (LlmClient client = s.client().equals("jdk") ? new JdkLlmClient(target, s.timeout())
                : new RawHttpClient(target, s.timeout())) {
            RequestBodies bodies = new RequestBodies(model, s.chat(), s.ignoreEos(), s.temperature());
            LoadRunner runner = new LoadRunner(client, progress);
            for (String name : s.workloads()) {
                Workload w = workload(name, client, bodies, model, info);
                for (boolean stream : s.streams()) {
                    steps.addAll(runWorkload(runner, w, bodies, stream));
                }
            }
        }
        for (StepResult r : steps) {
            if (r.usageMissing() > 0) {
                notes.add(r.workload() + " " + r.load() + ": " + r.usageMissing() + " responses had no usage; their "
                        + "output tokens were counted as text events and prompt tokens as 0.");
            }
            if (r.generatorCpuCores() > 0.8) {
                notes.add(String.format(Locale.ROOT, "%s %s: the benchmark process used %.2f cores; with few cores it "
                        + "may limit the result (run it on another core or machine).", r.workload(), r.load(),
                        r.generatorCpuCores()));
            }
            if (r.mode().equals("open") && r.sendLagMs().p99() > 5) {
                notes.add(String.format(Locale.ROOT, "%s %s: the generator sent late (p99 lag %.1f ms); "
                        + "latencies still count from the intended times.", r.workload(), r.load(), r.sendLagMs().p99()));
            }
        }
        RunInfo runInfo = new RunInfo("kiban bench 0.1", started, target.toString(), model, s.command(), s.client(),
                machine(), s.label());
        return new RunReport(runInfo, steps, List.copyOf(notes));
    }

    private List<StepResult> runWorkload(LoadRunner runner, Workload w, RequestBodies bodies, boolean stream) {
        List<StepResult> out = new ArrayList<>();
        String mode = stream ? "stream" : "non-stream";
        Duration drain = s.timeout().plusSeconds(1);
        if (w instanceof TraceWorkload t) {
            Duration span = Duration.ofNanos((long) (t.spanSeconds() * 1e9)).plusSeconds(1);
            Duration d = s.duration() != null && s.duration().compareTo(span) < 0 ? s.duration() : span;
            log.printf("trace: %d requests over %.1f s (%.2f req/s)%n", t.size(), t.spanSeconds(), t.meanRate());
            out.add(runner.open(w.name(), w.name() + " " + mode, "trace", t.meanRate(), bodies.jobs(w, stream), null,
                    new LoadRunner.Limits(d, s.requests(), Duration.ZERO, drain), s.maxInFlight(), stream));
            return out;
        }
        Duration d = s.duration() != null ? s.duration() : DEFAULT_DURATION;
        LoadRunner.Limits limits = new LoadRunner.Limits(d, s.requests(), s.warmup(), drain);
        if (!s.rates().isEmpty()) {
            for (double rate : s.rates()) {
                LoadRunner.Schedule schedule = s.arrivals() == Arrivals.poisson
                        ? LoadRunner.Schedule.poisson(rate, s.seed()) : LoadRunner.Schedule.constant(rate);
                out.add(runner.open(w.name(), w.name() + " " + rate + " req/s " + mode, "open", rate,
                        bodies.jobs(w, stream), schedule, limits, s.maxInFlight(), stream));
                log.println(line(out.getLast()));
            }
        } else {
            for (int c : s.concurrency()) {
                out.add(runner.closed(w.name(), w.name() + " c=" + c + " " + mode, bodies.jobs(w, stream), c, limits,
                        stream));
                log.println(line(out.getLast()));
            }
        }
        return out;
    }

    private static String line(StepResult r) {
        return String.format(Locale.ROOT, "%s %s %s: %d ok, %d failed, %.1f req/s, %.0f tok/s, latency p50 %.3f s",
                r.workload(), r.load(), r.stream() ? "stream" : "non-stream", r.requests(), r.failed(),
                r.requestsPerSecond(), r.totalTokensPerSecond(), r.latencyMs().p50() / 1000);
    }

    private Workload workload(String name, LlmClient client, RequestBodies bodies, String model, ModelInfo info)
            throws IOException {
        int maxTokens = s.maxTokens() != null ? s.maxTokens() : DEFAULT_MAX_TOKENS;
        return switch (name) {
            case "qa" -> QaWorkload.bundled(maxTokens);
            case "summarize" -> {
                int ctx = s.contextTokens() != null ? s.contextTokens()
                        : info.contextFor(model) > 0 ? info.contextFor(model) : DEFAULT_CONTEXT;
                if (maxTokens >= ctx) {
                    throw new IOException("--max-tokens " + maxTokens + " does not fit the context of " + ctx
                            + " tokens; lower it or set --context-tokens.");
                }
                yield fitSummarize(SummarizeWorkload.bundled(ctx, maxTokens, s.charsPerToken()), client, bodies, ctx);
            }
            case "trace" -> new TraceWorkload(TraceReader.read(s.trace(), s.traceFormat(), s.speedup(), s.limit()),
                    s.maxInputTokens(), s.maxOutputTokens());
            default -> throw new IllegalArgumentException(name);
        };
    }

    /**
     * Sends the summarize prompt once (non-streamed, 1 output token); while the server rejects it as too long,
     * shortens the document by a quarter, at most eight times.
     */
    private SummarizeWorkload fitSummarize(SummarizeWorkload w, LlmClient client, RequestBodies bodies, int ctx) {
        for (int attempt = 0; attempt < 8; attempt++) {
            var p = w.prompt(0);
            CallResult r = client.call(bodies.path(), bodies.body(new io.kiban.bench.workload.Prompt(p.text(), 1, -1),
                    false), false, true);
            if (r.status() == 400 || r.status() == 413) {
                w = w.shrunk(0.75);
                continue;
            }
            String tokens = r.promptTokens() > 0 ? r.promptTokens() + " prompt tokens" : "prompt tokens unknown";
            log.printf("summarize: %d characters, %s, context %d%s%n", w.promptChars(), tokens, ctx,
                    r.ok() ? "" : " (probe failed: " + r.failure() + ")");
            return w;
        }
        notes.add("summarize: the server rejected every prompt length tried; the run uses the shortest.");
        return w;
    }

    /** What GET /models said: the first model id and, per model, a context length if the server reports one. */
    record ModelInfo(JsonNode data) {
        String firstModel() {
            return data != null && data.isArray() && !data.isEmpty() ? data.get(0).path("id").asString(null) : null;
        }

        /** Kiban's context_length, vLLM's max_model_len or llama.cpp's meta.n_ctx_train; 0 if none. */
        int contextFor(String model) {
            if (data == null || !data.isArray()) {
                return 0;
            }
            for (JsonNode m : data) {
                if (model.equals(m.path("id").asString(""))) {
                    for (String path : List.of("/context_length", "/max_model_len", "/meta/n_ctx_train", "/meta/n_ctx")) {
                        int v = m.at(path).asInt(0);
                        if (v > 0) {
                            return v;
                        }
                    }
                }
            }
            return 0;
        }
    }

    private ModelInfo probeModels(Target target) {
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build()) {
            HttpRequest.Builder b = HttpRequest.newBuilder(target.uri("/models")).timeout(Duration.ofSeconds(30)).GET();
            if (target.apiKey() != null) {
                b.header("authorization", "Bearer " + target.apiKey());
            }
            for (String[] h : target.headers()) {
                b.header(h[0], h[1]);
            }
            HttpResponse<byte[]> r = http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (r.statusCode() != 200) {
                log.println("GET /models answered " + r.statusCode() + "; continuing without it.");
                return new ModelInfo(null);
            }
            return new ModelInfo(Json.MAPPER.readTree(r.body()).get("data"));
        } catch (IOException | RuntimeException e) {
            log.println("GET /models failed (" + e + "); continuing without it.");
            return new ModelInfo(null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ModelInfo(null);
        }
    }

    /** CPUs of the machine (not of this process's affinity mask, which taskset may have narrowed). */
    public static int cpuCount() {
        try {
            long n = Files.readAllLines(Path.of("/proc/cpuinfo"), StandardCharsets.UTF_8).stream()
                    .filter(l -> l.startsWith("processor")).count();
            if (n > 0) {
                return (int) n;
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return Runtime.getRuntime().availableProcessors();
    }

    /** CPU model and count, OS, Java version. */
    static String machine() {
        String cpu = "unknown CPU";
        try {
            Path info = Path.of("/proc/cpuinfo");
            if (Files.isReadable(info)) {
                cpu = Files.readAllLines(info, StandardCharsets.UTF_8).stream().filter(l -> l.startsWith("model name"))
                        .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse(cpu);
            }
        } catch (IOException e) {
            // keep "unknown"
        }
        return cpu + " x " + cpuCount() + " CPUs, " + System.getProperty("os.name")
                + " " + System.getProperty("os.version") + ", Java " + System.getProperty("java.version");
    }
}
