package io.kiban.bench.sim;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.bench.http.ByteSink;
import io.kiban.bench.http.Exchange;
import io.kiban.bench.http.Handler;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.UnaryOperator;

/**
 * The simulator's request handling: routing, readiness, admin calls, fault injection, admission and the timing of
 * generation. Responses are written by {@link SimResponses}.
 *
 * <p>Implementation notes. Every request reads one {@link SimKnobs} snapshot (a volatile field), applies its
 * {@code x-sim-*} header overrides, and sleeps on its own (virtual) thread until each token is due; deadlines are
 * absolute ({@code first token + i × itl}), so sleeping late never accumulates drift. Fault decisions are
 * deterministic: every-Nth uses the request's sequence number, the error rate hashes the seed and that number.
 */
final class SimEngine implements Handler {
    static final String JSON = "application/json";
    static final String SSE = "text/event-stream";

    private volatile SimKnobs knobs;
    private final Admission admission;
    private final PrefixCache cache;
    private final List<String> models;
    private final boolean strictModels;
    private final String replicaId;
    private final long seed;
    private volatile boolean readyFlag = true;
    private volatile long readyAtNanos;

    private final AtomicLong sequence = new AtomicLong();
    /** Makes response ids unique across simulator instances (a gateway's history is keyed by them). */
    private final String idToken = Long.toString(java.util.concurrent.ThreadLocalRandom.current().nextLong() >>> 1, 36);
    final LongAdder requests = new LongAdder();
    final LongAdder completed = new LongAdder();
    final LongAdder injectedErrors = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder unready = new LongAdder();
    final LongAdder dropped = new LongAdder();
    final LongAdder promptTokens = new LongAdder();
    final LongAdder completionTokens = new LongAdder();
    final LongAdder cachedTokens = new LongAdder();
    final LongAdder prefixHits = new LongAdder();
    final LongAdder prefixMisses = new LongAdder();

    SimEngine(SimKnobs knobs, int maxConcurrency, int maxQueue, PrefixCache cache, List<String> models,
            boolean strictModels, String replicaId, long seed, Duration readyAfter) {
        this.knobs = knobs;
        this.admission = new Admission(maxConcurrency, maxQueue);
        this.cache = cache;
        this.models = List.copyOf(models);
        this.strictModels = strictModels;
        this.replicaId = replicaId;
        this.seed = seed;
        this.readyAtNanos = readyAfter.isZero() ? 0 : System.nanoTime() + readyAfter.toNanos();
    }

    SimKnobs knobs() {
        return knobs;
    }

    synchronized void updateKnobs(UnaryOperator<SimKnobs> change) {
        knobs = change.apply(knobs);
    }

    boolean ready() {
        long at = readyAtNanos;
        return readyFlag && (at == 0 || System.nanoTime() - at >= 0);
    }

    void setReady(boolean ready) {
        readyAtNanos = 0;
        readyFlag = ready;
    }

    String replicaId() {
        return replicaId;
    }

    List<String> models() {
        return models;
    }

    SimStats stats() {
        return new SimStats(requests.sum(), completed.sum(), injectedErrors.sum(), rejected.sum(), unready.sum(),
                dropped.sum(), promptTokens.sum(), completionTokens.sum(), cachedTokens.sum(), prefixHits.sum(),
                prefixMisses.sum(), admission.active(), admission.waiting(), cache == null ? 0 : cache.size());
    }

    void resetStats() {
        for (LongAdder a : List.of(requests, completed, injectedErrors, rejected, unready, dropped, promptTokens,
                completionTokens, cachedTokens, prefixHits, prefixMisses)) {
            a.reset();
        }
        if (cache != null) {
            cache.clear();
        }
    }

    @Override
    public void handle(Exchange ex) throws Exception {
        ex.responseHeader("x-sim-replica", replicaId);
        String path = ex.path();
        if (path.startsWith("/v1/")) {
            path = path.substring(3);
        }
        String method = ex.method();
        try {
            switch (path) {
                case "/chat/completions" -> generation(ex, method, SimRequest.Endpoint.CHAT);
                case "/completions" -> generation(ex, method, SimRequest.Endpoint.COMPLETIONS);
                case "/embeddings" -> generation(ex, method, SimRequest.Endpoint.EMBEDDINGS);
                case "/models" -> {
                    requireMethod(method, "GET");
                    SimResponses.models(ex.out(), models);
                    ex.send(200, JSON);
                }
                case "/health" -> {
                    boolean ok = ready();
                    ex.out().ascii(ok ? "{\"status\":\"ok\"}" : "{\"status\":\"starting\"}");
                    ex.send(ok ? 200 : 503, JSON);
                }
                default -> {
                    if (path.startsWith("/admin/")) {
                        SimAdmin.handle(this, ex, path.substring("/admin/".length()));
                    } else {
                        throw new ApiException(new ApiError.NotFound("No route " + ex.method() + " " + ex.path()
                                + " on the Kiban simulator; it serves /v1/chat/completions, /v1/completions, "
                                + "/v1/embeddings, /v1/models, /health and /admin/*.", null, "not_found"));
                    }
                }
            }
        } catch (ApiException e) {
            error(ex, e.error());
        }
    }

    static void requireMethod(String method, String expected) {
        if (!expected.equals(method)) {
            throw new ApiException(new ApiError.MethodNotAllowed("Use " + expected + " on this path."));
        }
    }

    static void error(Exchange ex, ApiError error) throws IOException {
        long retry = ApiError.retryAfterSeconds(error);
        if (retry > 0) {
            ex.responseHeader("retry-after", Long.toString(retry));
        }
        ex.out().reset();
        ex.out().append(ApiError.envelope(error));
        ex.send(ApiError.status(error), JSON);
    }

    private void generation(Exchange ex, String method, SimRequest.Endpoint endpoint) throws Exception {
        requireMethod(method, "POST");
        requests.increment();
        if (!ready()) {
            unready.increment();
            throw new ApiException(new ApiError.ModelUnavailable(
                    "The simulator is not ready yet (readiness is off); retry shortly.", "model_not_ready",
                    Duration.ofSeconds(1)));
        }
        SimKnobs k = knobs;
        int forcedStatus = 0;
        if (ex.hasHeaderWithPrefix("x-sim-")) {
            SimOverrides o = SimOverrides.read(ex, k);
            k = o.knobs();
            forcedStatus = o.forcedStatus();
        }
        SimRequest req = SimRequest.parse(endpoint, ex.bodyArray(), ex.bodyOffset(), ex.bodyLength(), models.get(0));
        if (strictModels && !models.contains(req.model())) {
            throw new ApiException(ApiError.modelNotFound(req.model()));
        }
        long seq = sequence.incrementAndGet();
        sleepNanos(k.delay().toNanos());
        int status = forcedStatus != 0 ? forcedStatus : injectedStatus(k, seq);
        if (status != 0) {
            injectedErrors.increment();
            ex.out().ascii("{\"error\":{\"message\":\"Error injected by the Kiban simulator (status ").decimal(status)
                    .ascii(", request ").decimal(seq).ascii(").\",\"type\":\"")
                    .ascii(status == 429 ? "rate_limit_error" : status < 500 ? "invalid_request_error" : "server_error")
                    .ascii("\",\"param\":null,\"code\":\"simulated_error\"}}");
            if (status == 429 || status == 503) {
                ex.responseHeader("retry-after", "1");
            }
            ex.send(status, JSON);
            return;
        }
        if (!admission.acquire()) {
            rejected.increment();
            throw new ApiException(new ApiError.RateLimited("The simulated replica is full: "
                    + admission.maxConcurrency() + " requests running and " + admission.maxQueue()
                    + " waiting. Retry later.", "queue_full", Duration.ofSeconds(1)));
        }
        try {
            serveAdmitted(ex, k, req, seq);
        } finally {
            admission.release();
        }
    }

    private void serveAdmitted(Exchange ex, SimKnobs k, SimRequest req, long seq) throws Exception {
        int cached = 0;
        if (cache != null) {
            long[] hashes = SimTokenizer.blockHashes(req.prompt(), cache.blockTokens(), Integer.MAX_VALUE);
            int hits = cache.admit(hashes);
            prefixHits.add(hits);
            prefixMisses.add(hashes.length - hits);
            cached = hits * cache.blockTokens();
            cachedTokens.add(cached);
            ex.responseHeader("x-sim-cached-tokens", Integer.toString(cached));
        }
        promptTokens.add(req.promptTokens());
        long prefill = k.ttft().toNanos() + k.prefillPerToken().toNanos() * (req.promptTokens() - cached);
        long firstTokenAt = System.nanoTime() + prefill;
        if (req.endpoint() == SimRequest.Endpoint.EMBEDDINGS) {
            sleepUntil(firstTokenAt);
            SimResponses.embeddings(ex.out(), req, k.embeddingDim());
            ex.send(200, JSON);
            completed.increment();
            return;
        }
        int planned = req.maxTokens() == null ? k.tokens() : req.maxTokens();
        SimOutput out = SimOutput.plan(planned, req.seed() ^ seed, k.chunkBytes(), req.stops());
        String finish = !out.stopped() && req.maxTokens() != null ? "length" : "stop";
        long itl = k.itl().toNanos();
        SimResponses r = new SimResponses(req, idToken, seq, out, finish, cached);
        if (!req.stream()) {
            sleepUntil(firstTokenAt + Math.max(0, out.tokens() - 1) * itl);
            r.whole(ex.out());
            ex.send(200, JSON);
            completionTokens.add(out.tokens());
            completed.increment();
            return;
        }
        ex.responseHeader("x-kiban-prompt-tokens", Integer.toString(req.promptTokens())); // as Kiban's worker does
        ex.startStream(200, SSE);
        ByteSink sink = ex.out();
        int dropAfter = k.dropAfter();
        for (int i = 0; i < out.tokens(); i++) {
            if (i == dropAfter) {
                drop(ex);
                return;
            }
            sleepUntil(firstTokenAt + i * itl);
            r.chunk(sink, i);
            ex.flushChunk();
            completionTokens.increment();
        }
        if (dropAfter == out.tokens()) {
            drop(ex); // all tokens sent, cut before the finish chunk and [DONE]
            return;
        }
        r.finish(sink);
        ex.endStream();
        completed.increment();
    }

    private void drop(Exchange ex) {
        dropped.increment();
        ex.abort();
    }

    private int injectedStatus(SimKnobs k, long seq) {
        if (k.errorEvery() > 0 && seq % k.errorEvery() == 0) {
            return k.errorStatus();
        }
        if (k.errorRate() > 0) {
            double u = (SimTokenizer.mix(seed * 0x9E3779B97F4A7C15L + seq) >>> 11) * 0x1.0p-53;
            if (u < k.errorRate()) {
                return k.errorStatus();
            }
        }
        return 0;
    }

    static void sleepNanos(long nanos) throws InterruptedException {
        if (nanos > 0) {
            sleepUntil(System.nanoTime() + nanos);
        }
    }

    static void sleepUntil(long deadline) throws InterruptedException {
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            Thread.sleep(Duration.ofNanos(left));
        }
    }
}
