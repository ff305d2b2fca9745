package io.kiban.bench.sim;

import io.kiban.bench.http.HttpTransport;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kiban simulate}: runs one or more simulated replicas until interrupted. */
@Command(name = "kiban simulate", mixinStandardHelpOptions = true, sortOptions = false, usageHelpWidth = 110,
        version = "kiban simulate 0.1",
        description = {
            "Runs an OpenAI-compatible SIMULATOR of a model replica (not a model: it answers deterministic filler",
            "words) for gateway-overhead, scaling and failover tests. Serves POST /v1/chat/completions,",
            "/v1/completions, /v1/embeddings, GET /v1/models, GET /health, and /admin/{ready,stats,knobs,reset}.",
            "",
            "Timing of a generation: delay, queueing for a slot, then TTFT = ttft + prefill x uncached prompt",
            "tokens, then one token every ITL. Usage is exact: a word of n characters is ceil(n/4) tokens;",
            "completion tokens = max_tokens (or --tokens when the request sets none) unless a stop sequence cuts.",
            ""},
        footer = {
            "",
            "Per-request overrides: send x-sim-<knob> headers, e.g. x-sim-ttft-ms: 200, x-sim-itl-ms: 5,",
            "x-sim-tokens: 64, x-sim-drop-after: 3, x-sim-delay-ms: 100, x-sim-error-status: 503 (fail this one).",
            "At run time: POST /admin/knobs?itl-ms=20&error-rate=0.1, POST /admin/ready?value=false,",
            "GET /admin/stats (counters, prefix-cache hit rate), POST /admin/reset.",
            "",
            "Examples:",
            "  kiban simulate --port 8000",
            "  kiban simulate --port 8000 --ttft-ms 50 --itl-ms 20 --tokens 64 --max-concurrency 8",
            "  kiban simulate --port 8100 --replicas 4 --cache-blocks 4096 --block-tokens 16 --prefill-us-per-token 50"})
public final class SimulatorMain implements Callable<Integer> {
    @Option(names = "--host", description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String host = "127.0.0.1";

    @Option(names = "--port", description = "Port of the first replica; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port = 8000;

    @Option(names = "--replicas", description = "Replicas to run, on consecutive ports (default: ${DEFAULT-VALUE}).")
    int replicas = 1;

    @Option(names = "--model", description = "Model id listed by /v1/models; repeatable (default: sim).")
    List<String> models = new ArrayList<>();

    @Option(names = "--strict-models", description = "Answer 404 for models not listed (default: serve any name).")
    boolean strictModels;

    @Option(names = "--ttft-ms", description = "Fixed part of the time to first token, ms (default: ${DEFAULT-VALUE}).")
    double ttftMs;

    @Option(names = "--prefill-us-per-token",
            description = "Prefill time per uncached prompt token, us (default: ${DEFAULT-VALUE}).")
    double prefillUsPerToken;

    @Option(names = "--itl-ms", description = "Time between output tokens, ms (default: ${DEFAULT-VALUE}).")
    double itlMs;

    @Option(names = "--tokens", description = "Output tokens when a request sets no max_tokens (default: ${DEFAULT-VALUE}).")
    int tokens = 16;

    @Option(names = "--chunk-bytes", description = "Pad each streamed token's text to this many bytes; 0 = off.")
    int chunkBytes;

    @Option(names = "--max-concurrency", description = "Requests generating at once per replica; 0 = unlimited.")
    int maxConcurrency;

    @Option(names = "--max-queue", description = "Requests waiting per replica before 429 (default: ${DEFAULT-VALUE}).")
    int maxQueue = 1024;

    @Option(names = "--cache-blocks", description = "Prefix-cache capacity in blocks per replica; 0 = no cache.")
    int cacheBlocks;

    @Option(names = "--block-tokens", description = "Tokens per prefix-cache block (default: ${DEFAULT-VALUE}).")
    int blockTokens = 16;

    @Option(names = "--error-rate", description = "Probability that a generation request fails (default: ${DEFAULT-VALUE}).")
    double errorRate;

    @Option(names = "--error-every", description = "Fail every Nth generation request; 0 = never.")
    int errorEvery;

    @Option(names = "--error-status", description = "Status of injected errors (default: ${DEFAULT-VALUE}).")
    int errorStatus = 500;

    @Option(names = "--delay-ms", description = "Added delay before every generation request, ms.")
    double delayMs;

    @Option(names = "--drop-after", description = "Cut every stream after this many chunks (no [DONE]); -1 = never.")
    int dropAfter = -1;

    @Option(names = "--embedding-dim", description = "Length of embedding vectors (default: ${DEFAULT-VALUE}).")
    int embeddingDim = 32;

    @Option(names = "--replica-id", description = "x-sim-replica header prefix (default: sim-<port>).")
    String replicaId;

    @Option(names = "--seed", description = "Seed of error draws and output words (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--ready-after-ms", description = "Answer 503 on /health and /v1/* until this long after start.")
    long readyAfterMs;

    @Option(names = "--not-ready", description = "Start not ready, until POST /admin/ready?value=true.")
    boolean notReady;

    @Option(names = "--http-server", description = "HTTP server: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    HttpTransport.Kind httpServer = HttpTransport.Kind.BLOCKING;

    public static void main(String[] args) {
        int code = new CommandLine(new SimulatorMain()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
        if (code != 0) {
            System.exit(code);
        }
    }

    @Override
    public Integer call() throws Exception {
        SimKnobs knobs = new SimKnobs(ms(ttftMs), Duration.ofNanos(Math.round(prefillUsPerToken * 1000)), ms(itlMs),
                tokens, chunkBytes, errorStatus, errorRate, errorEvery, ms(delayMs), dropAfter, embeddingDim);
        List<Simulator> sims = new ArrayList<>();
        PrintWriter out = new PrintWriter(System.out, true);
        for (int i = 0; i < replicas; i++) {
            Simulator.Builder b = Simulator.builder().knobs(knobs).host(host).port(port == 0 ? 0 : port + i)
                    .maxConcurrency(maxConcurrency).maxQueue(maxQueue).prefixCache(cacheBlocks, blockTokens)
                    .models(models.isEmpty() ? new String[] {"sim"} : models.toArray(String[]::new))
                    .strictModels(strictModels).seed(seed + i).readyAfter(Duration.ofMillis(readyAfterMs))
                    .ready(!notReady).transport(httpServer);
            if (replicaId != null) {
                b.replicaId(replicas == 1 ? replicaId : replicaId + "-" + i);
            }
            Simulator sim = b.start();
            sims.add(sim);
            out.printf("Kiban simulator (not a model) replica %s listening on %s%n", sim.replicaId(), sim.baseUrl());
        }
        out.printf("knobs: ttft %.3f ms, prefill %.3f us/token, itl %.3f ms, tokens %d, concurrency %s, queue %d, "
                + "prefix cache %s, errors %s, drop-after %d%n", ttftMs, prefillUsPerToken, itlMs, tokens,
                maxConcurrency == 0 ? "unlimited" : maxConcurrency, maxQueue,
                cacheBlocks == 0 ? "off" : cacheBlocks + " x " + blockTokens + " tokens",
                errorRate == 0 && errorEvery == 0 ? "off" : "rate " + errorRate + ", every " + errorEvery + " -> "
                        + errorStatus, dropAfter);
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            sims.forEach(Simulator::close);
            stop.countDown();
        }));
        stop.await();
        return 0;
    }

    private static Duration ms(double v) {
        return Duration.ofNanos(Math.round(v * 1_000_000));
    }
}
