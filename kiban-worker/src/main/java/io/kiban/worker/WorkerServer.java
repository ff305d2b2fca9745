package io.kiban.worker;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.api.Json;
import io.kiban.api.chat.ChatCompletionRequest;
import io.kiban.api.completions.CompletionRequest;
import io.kiban.api.embeddings.EmbeddingRequest;
import io.kiban.worker.engine.Engine;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The worker's OpenAI-compatible HTTP server, on {@code com.sun.net.httpserver} (no framework, so the worker starts
 * fast).
 *
 * <p>Requests run on platform threads: llama.cpp waits happen in native code and would pin virtual threads'
 * carriers. Their number is bounded by {@link Admission} (slots plus queue) plus health checks. When a token is
 * configured, every {@code /v1} call must carry it as a bearer token; the worker listens on loopback only, and the
 * token keeps other local users' processes out.
 */
public final class WorkerServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(WorkerServer.class.getName());
    static final int BODY_LIMIT = 32 * 1024 * 1024;
    private static final String CANCEL_PREFIX = "/kiban/requests/";

    private final HttpServer server;
    private final ExecutorService executor;
    private final Engine engine;
    private final String model;
    private final byte[] token;
    private final Admission admission;
    private final Jobs jobs;
    private final JobRunner runner;
    private final EmbeddingsHandler embeddings;
    private final Cancellations cancellations = new Cancellations();
    private final AtomicLong cancelled = new AtomicLong(); // requests the gateway cancelled, shown by /health

    public WorkerServer(Engine engine, WorkerOptions options) throws IOException {
        this.engine = engine;
        this.model = options.name();
        String token = options.token();
        this.token = token == null || token.isEmpty() ? null : ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
        this.admission = new Admission(options.parallel(), options.queue(), Duration.ofSeconds(1));
        this.jobs = new Jobs(engine, model);
        this.runner = new JobRunner(engine);
        this.embeddings = new EmbeddingsHandler(engine, model);
        this.executor = Executors.newThreadPerTaskExecutor(Thread.ofPlatform().name("worker-req-", 0).factory());
        this.server = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 512);
        server.setExecutor(executor);
        server.createContext("/", this::handle);
    }

    public WorkerServer start() {
        server.start();
        return this;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public Admission admission() {
        return admission;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String method = ex.getRequestMethod();
            try {
                if (path.equals("/health")) {
                    HttpIo.json(ex, 200, health());
                    return;
                }
                authorize(ex);
                if (path.startsWith(CANCEL_PREFIX) && path.endsWith("/cancel")) {
                    cancel(ex, method, path.substring(CANCEL_PREFIX.length(), path.length() - "/cancel".length()));
                    return;
                }
                switch (path) {
                    case "/v1/chat/completions" -> generate(ex, method, true);
                    case "/v1/completions" -> generate(ex, method, false);
                    case "/v1/embeddings" -> {
                        requirePost(method);
                        EmbeddingRequest r = Json.readRequest(HttpIo.readBody(ex, BODY_LIMIT), EmbeddingRequest.class);
                        List<String> inputs = r.inputs();
                        try (Admission.Permit ignored = admission.acquire()) {
                            embeddings.handle(ex, r, inputs);
                        }
                    }
                    case "/v1/models" -> HttpIo.json(ex, 200, Map.of("object", "list", "data", List.of(Map.of(
                            "id", model, "object", "model", "created", 0, "owned_by", "kiban"))));
                    default -> throw new ApiException(new ApiError.NotFound("Unknown path " + path + ".", null, "not_found"));
                }
            } catch (ApiException e) {
                HttpIo.error(ex, e.error());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                HttpIo.error(ex, new ApiError.ModelUnavailable("The worker is shutting down.", "shutting_down", Duration.ofSeconds(1)));
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "request failed", e);
                HttpIo.error(ex, new ApiError.Internal("The worker failed: " + e.getClass().getSimpleName()));
            }
        }
    }

    private void generate(HttpExchange ex, String method, boolean chat) throws IOException, InterruptedException {
        requirePost(method);
        byte[] body = HttpIo.readBody(ex, BODY_LIMIT);
        Job job = chat ? jobs.chat(Json.readRequest(body, ChatCompletionRequest.class))
                : jobs.completion(Json.readRequest(body, CompletionRequest.class));
        String requestId = ex.getRequestHeaders().getFirst("x-request-id");
        AtomicBoolean cancelled = cancellations.register(requestId);
        long queued = System.nanoTime();
        try (Admission.Permit ignored = admission.acquire()) {
            queued = System.nanoTime() - queued;
            if (cancelled.get()) {
                LOG.log(System.Logger.Level.DEBUG, "{0}: cancelled while it waited for a slot", requestId);
                HttpIo.error(ex, CANCELLED);
            } else if (job.stream()) {
                runner.stream(ex, job, queued, cancelled);
            } else {
                runner.whole(ex, job, queued, cancelled);
            }
        } finally {
            cancellations.unregister(requestId, cancelled);
            if (cancelled.get()) {
                this.cancelled.incrementAndGet();
            }
        }
    }

    /** The answer to a cancelled request, if anyone still listens: the gateway has normally hung up already. */
    static final ApiError CANCELLED = new ApiError.InvalidRequest("The request was cancelled (its client went away).",
            null, "request_cancelled");

    /** {@code POST /kiban/requests/{id}/cancel}: stops a generation at its next token and frees its slot. */
    private void cancel(HttpExchange ex, String method, String requestId) throws IOException {
        requirePost(method);
        if (!cancellations.cancel(requestId)) {
            throw new ApiException(new ApiError.NotFound("No request '" + requestId + "' is in flight on this worker.",
                    null, "request_not_found"));
        }
        HttpIo.json(ex, 200, Map.of("id", requestId, "cancelled", true));
    }

    private static void requirePost(String method) {
        if (!method.equals("POST")) {
            throw new ApiException(new ApiError.MethodNotAllowed("Use POST for this endpoint (got " + method + ")."));
        }
    }

    private void authorize(HttpExchange ex) {
        if (token == null) {
            return;
        }
        String given = ex.getRequestHeaders().getFirst("Authorization");
        if (given == null || !MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8))) {
            throw new ApiException(new ApiError.Unauthenticated("This worker accepts requests from its Kiban server only.",
                    "invalid_worker_token"));
        }
    }

    private Map<String, Object> health() {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("status", "ok");
        h.put("model", model);
        h.put("engine", engine.info().engine());
        h.put("context", engine.info().contextPerRequest());
        h.put("embeddings", engine.info().embeddings());
        h.put("template", engine.info().template());
        h.put("pooling", engine.info().pooling());
        h.put("slots", admission.slots());
        h.put("busy", admission.busy());
        h.put("queued", admission.queued());
        h.put("cancelled", cancelled.get());
        return h;
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
