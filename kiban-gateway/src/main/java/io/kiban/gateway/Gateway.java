package io.kiban.gateway;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.gateway.relay.SseRelay;
import io.kiban.gateway.relay.StreamObserver;
import io.kiban.gateway.spi.Authenticator;
import io.kiban.gateway.spi.Endpoint;
import io.kiban.gateway.spi.LimitExceeded;
import io.kiban.gateway.spi.Limiter;
import io.kiban.gateway.spi.ModelRouter;
import io.kiban.gateway.spi.Principal;
import io.kiban.gateway.spi.RequestListener;
import io.kiban.gateway.spi.RequestRecord;
import io.kiban.gateway.spi.Route;
import io.kiban.gateway.upstream.UpstreamClient;
import io.kiban.gateway.upstream.UpstreamException;
import io.kiban.gateway.upstream.UpstreamRequest;
import io.kiban.gateway.upstream.UpstreamResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The data plane's request path for model calls ({@code POST /v1/chat/completions}, {@code /v1/completions},
 * {@code /v1/embeddings}): authenticate → read and scan the body → route by model → reserve from the limits →
 * wait for a ready replica → forward → relay (streamed event by event) → meter, settle the limits and notify
 * listeners.
 *
 * <p>Implementation notes.
 * <ul>
 *   <li>Cost: one pass of a streaming JSON scanner over the request body, no tree; the key check and the route are
 *       in-memory lookups; history and usage are handed to listeners that only enqueue.
 *   <li>Retries: a replica that fails before sending a response byte (refused, reset, closed) is excluded and the
 *       request goes to another one, up to {@link GatewayConfig#maxAttempts()}. Once bytes have arrived the
 *       request is never sent again by this class.
 *   <li>Streams: the client's response is committed when the runtime's headers arrive. If the runtime dies after
 *       that, the client gets a final {@code data: {"error":…}} event and no {@code [DONE]}: never a silent
 *       truncation. If the client goes away, the upstream connection is closed, which stops the generation.
 *   <li>Whole responses are read completely before the first byte goes to the client, so a runtime that dies in
 *       the middle always yields a clean error status.
 *   <li>Limits: {@link Limiter#reserve} runs once the model is known (a refusal is a 429 with the limiter's
 *       headers and reserves nothing); every reservation is settled in {@code finish}, with the tokens the
 *       request really used, whatever happened to it.
 *   <li>Billing a stream cut short (client gone, runtime died): the usage chunk never came, so the output is the
 *       number of text events the runtime sent (one per token for Kiban's workers) and the prompt is what the
 *       runtime reported in {@code x-kiban-prompt-tokens}, else the estimate of a quarter of the body's bytes.
 * </ul>
 */
public final class Gateway {
    private static final System.Logger LOG = System.getLogger(Gateway.class.getName());

    private final Authenticator authenticator;
    private final ModelRouter router;
    private final UpstreamClient upstream;
    private final GatewayMetrics metrics;
    private final List<RequestListener> listeners;
    private final Limiter limiter;
    private final boolean wantBodies;
    private final GatewayConfig config;
    private final AtomicLong requestCounter = new AtomicLong();
    // Unique across restarts and across servers sharing a database: history rows of requests without a response id
    // of their own are keyed by it, and the Recorder keeps only the first row of an id.
    private final String requestIdPrefix = "req_" + Long.toString(System.currentTimeMillis(), 36)
            + Long.toString(new java.security.SecureRandom().nextInt(Integer.MAX_VALUE), 36) + "_";

    public Gateway(Authenticator authenticator, ModelRouter router, UpstreamClient upstream, GatewayMetrics metrics,
            List<RequestListener> listeners, GatewayConfig config) {
        this(authenticator, router, upstream, metrics, listeners, Limiter.NONE, config);
    }

    public Gateway(Authenticator authenticator, ModelRouter router, UpstreamClient upstream, GatewayMetrics metrics,
            List<RequestListener> listeners, Limiter limiter, GatewayConfig config) {
        this.authenticator = authenticator;
        this.router = router;
        this.upstream = upstream;
        this.metrics = metrics;
        this.listeners = List.copyOf(listeners);
        this.limiter = limiter;
        this.wantBodies = listeners.stream().anyMatch(RequestListener::wantsBodies);
        this.config = config;
    }

    /** Handles one model call. Never throws: every failure becomes an OpenAI error response. */
    public void handle(Exchange ex) {
        long start = System.nanoTime();
        long startMillis = System.currentTimeMillis();
        String requestId = requestIdPrefix + requestCounter.incrementAndGet();
        ex.header("x-request-id", requestId);
        Call call = new Call(requestId, start, startMillis, ex.clientIp());
        try {
            serve(ex, call);
        } catch (LimitExceeded e) {
            call.status = ApiError.status(e.error());
            call.errorCode = e.error().code();
            headers(ex, e.headers());
            Errors.write(ex, e.error());
        } catch (ApiException e) {
            call.status = ApiError.status(e.error());
            call.errorCode = e.error().code();
            Errors.write(ex, e.error());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            call.status = 503;
            Errors.write(ex, new ApiError.ModelUnavailable("The server is shutting down; retry.", "shutting_down", Duration.ofSeconds(1)));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "request " + requestId + " failed", e);
            call.status = 500;
            Errors.write(ex, new ApiError.Internal("Kiban failed to handle the request (id " + requestId + ")."));
        } finally {
            finish(call);
        }
    }

    private void serve(Exchange ex, Call call) throws InterruptedException {
        Kind kind = Kind.ofPath(ex.path());
        if (kind == null) {
            throw new ApiException(new ApiError.NotFound("Unknown endpoint " + ex.path() + ".", null, "unknown_url"));
        }
        call.kind = kind;
        if (!ex.method().equals("POST")) {
            throw new ApiException(new ApiError.MethodNotAllowed("Use POST for " + ex.path() + " (got " + ex.method() + ")."));
        }
        Credentials.rejectInQuery(ex.query());
        Principal principal = authenticator.authenticate(ex.header("Authorization"), call.clientIp);
        call.principal = principal;
        byte[] body = Bodies.read(ex, config.maxBodyBytes());
        call.requestBody = body;
        RequestScan scan = RequestScan.of(body);
        call.model = scan.model();
        call.stream = scan.stream();
        call.metadata = scan.metadata();
        Route route = principal.mayUse(scan.model()) ? router.route(scan.model(), principal) : null;
        if (route == null) {
            throw new ApiException(ApiError.modelNotFound(scan.model()));
        }
        call.reservation = limiter.reserve(principal, new Limiter.Demand(route.model(), kind.label, body.length,
                kind == Kind.EMBEDDING ? 0 : scan.maxTokens(), scan.choices()));
        headers(ex, call.reservation.headers());
        GatewayMetrics.ModelMeters meters = metrics.model(route.model());
        call.meters = meters;
        meters.inFlight.incrementAndGet();
        try {
            forward(ex, call, route, scan, body);
        } finally {
            meters.inFlight.decrementAndGet();
        }
    }

    private void forward(Exchange ex, Call call, Route route, RequestScan scan, byte[] body) throws InterruptedException {
        byte[] upstreamBody = scan.upstreamBody(body);
        long deadline = call.start + config.holdTimeout().toNanos();
        Set<String> failed = null;
        for (int attempt = 1; ; attempt++) {
            Endpoint endpoint = route.acquire(body, failed == null ? Set.of() : failed, deadline);
            UpstreamResponse response;
            try {
                response = upstream.send(new UpstreamRequest("POST", endpoint.host(), endpoint.port(),
                        endpoint.basePath() + call.kind.suffix, headers(endpoint, call.requestId), upstreamBody));
            } catch (UpstreamException e) {
                route.release(endpoint, true);
                LOG.log(System.Logger.Level.WARNING, "{0}: replica {1} of {2} failed before answering: {3}",
                        call.requestId, endpoint.id(), route.model(), e.getMessage());
                if (e.beforeResponse() && attempt < config.maxAttempts()) {
                    if (failed == null) {
                        failed = new HashSet<>();
                    }
                    failed.add(endpoint.id());
                    continue;
                }
                throw new ApiException(e.timeout()
                        ? new ApiError.UpstreamTimeout("The model '" + route.model() + "' did not answer in time. Retry, or ask for fewer tokens.")
                        : new ApiError.ModelUnavailable("The model '" + route.model() + "' stopped before answering "
                                + "(its runtime is restarting). Retry in a few seconds.", "model_unavailable", Duration.ofSeconds(2)));
            }
            try (response) {
                relay(ex, call, route, scan, response);
            } finally {
                route.release(endpoint, false);
            }
            return;
        }
    }

    private static void headers(Exchange ex, List<String> nameValuePairs) {
        for (int i = 0; i + 1 < nameValuePairs.size(); i += 2) {
            ex.header(nameValuePairs.get(i), nameValuePairs.get(i + 1));
        }
    }

    private static List<String> headers(Endpoint endpoint, String requestId) {
        return endpoint.authorization() == null
                ? List.of("Content-Type", "application/json", "x-request-id", requestId)
                : List.of("Content-Type", "application/json", "x-request-id", requestId, "Authorization", endpoint.authorization());
    }

    private void relay(Exchange ex, Call call, Route route, RequestScan scan, UpstreamResponse response) {
        int status = response.status();
        String type = response.header("content-type");
        boolean sse = status == 200 && type != null && type.startsWith("text/event-stream");
        call.status = status;
        if (!sse) {
            whole(ex, call, route, response, status, type);
            return;
        }
        ex.status(200);
        ex.header("Content-Type", "text/event-stream");
        ex.header("Cache-Control", "no-cache");
        ex.header("X-Accel-Buffering", "no");
        StreamObserver observer = new StreamObserver(call.start, scan.stripUsage(), wantBodies);
        String reportedPrompt = response.header("x-kiban-prompt-tokens");
        OutputStream out = null;
        try {
            out = ex.output();
            new SseRelay().relay(response.body(), out, observer);
            if (!observer.done() && !observer.error()) {
                throw new IOException("the stream ended without [DONE]");
            }
            if (observer.error()) {
                call.status = 502;
                call.errorCode = "upstream_error";
            }
        } catch (SseRelay.ClientGoneException e) {
            call.status = 499; // nginx's "client closed request"
            call.errorCode = "client_disconnected";
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "{0}: stream from {1} broke: {2}", call.requestId, route.model(), e.getMessage());
            call.status = 502;
            call.errorCode = "upstream_disconnected";
            if (out != null) {
                Errors.writeEvent(out, new ApiError.ModelUnavailable("The runtime serving '" + route.model()
                        + "' stopped in the middle of the response; the output above is incomplete. Retry the request.",
                        "upstream_disconnected", Duration.ofSeconds(2)));
            }
        }
        call.ttftNanos = observer.firstTokenNanos();
        call.promptTokens = observer.promptTokens();
        call.completionTokens = observer.completionTokens();
        if (call.completionTokens < 0) { // cut short before the usage chunk: bill what was generated
            call.completionTokens = observer.textEvents();
            call.promptTokens = reportedPrompt != null ? parseCount(reportedPrompt, call) : estimatedPrompt(call);
        }
        call.responseId = observer.id();
        if (wantBodies) {
            List<String> texts = observer.texts();
            call.responseText = texts.isEmpty() ? "" : texts.size() == 1 ? texts.getFirst() : String.join("\n\n", texts);
            call.choiceTexts = texts;
            call.finishReasons = observer.finishReasons();
        }
    }

    private static int parseCount(String value, Call call) {
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            return estimatedPrompt(call);
        }
    }

    /** A quarter of the body's bytes: the usual estimate of a prompt's tokens when the runtime did not say. */
    private static int estimatedPrompt(Call call) {
        return call.requestBody == null ? 0 : (call.requestBody.length + 3) / 4;
    }

    private void whole(Exchange ex, Call call, Route route, UpstreamResponse response, int status, String type) {
        byte[] bytes;
        try {
            bytes = response.readAll(config.maxResponseBytes());
        } catch (IOException e) {
            throw new ApiException(new ApiError.ModelUnavailable("The runtime serving '" + route.model()
                    + "' stopped in the middle of the response. Retry in a few seconds.", "upstream_disconnected", Duration.ofSeconds(2)));
        }
        if (status == 200) {
            ResponseScan scan = ResponseScan.of(bytes);
            call.responseId = scan.id();
            call.promptTokens = scan.promptTokens();
            call.completionTokens = scan.completionTokens();
            String ttft = response.header("x-kiban-ttft-ms");
            if (ttft != null) {
                call.ttftNanos = Long.parseLong(ttft) * 1_000_000;
            }
            if (wantBodies) {
                call.responseText = new String(bytes, StandardCharsets.UTF_8);
            }
        } else {
            call.errorCode = "upstream_" + status;
        }
        ex.status(status);
        ex.header("Content-Type", type == null ? "application/json" : type);
        String retry = response.header("retry-after");
        if (retry != null) {
            ex.header("Retry-After", retry);
        }
        ex.header("Content-Length", Integer.toString(bytes.length));
        try (OutputStream out = ex.output()) {
            out.write(bytes);
        } catch (IOException e) {
            call.status = 499;
            call.errorCode = "client_disconnected";
        }
    }

    private void finish(Call call) {
        long duration = System.nanoTime() - call.start;
        if (call.meters != null) {
            call.meters.request(call.kind, call.status, duration);
            if (call.promptTokens > 0) {
                call.meters.tokensIn.increment(call.promptTokens);
            }
            if (call.completionTokens > 0) {
                call.meters.tokensOut.increment(call.completionTokens);
            }
            if (call.ttftNanos > 0) {
                call.meters.ttft.record(call.ttftNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
                if (call.completionTokens > 1) {
                    call.meters.tpot.record((duration - call.ttftNanos) / (call.completionTokens - 1),
                            java.util.concurrent.TimeUnit.NANOSECONDS);
                }
            }
        }
        if (call.reservation != null) {
            settle(call);
        }
        if (listeners.isEmpty() || call.principal == null || call.kind == null) {
            return;
        }
        boolean bodies = wantBodies && !call.principal.metadataOnly();
        RequestRecord record = new RequestRecord(call.requestId, call.responseId == null ? call.requestId : call.responseId,
                call.kind.label, call.model, call.principal, call.clientIp, call.status, call.stream, call.startMillis,
                call.ttftNanos, duration, call.promptTokens, call.completionTokens,
                bodies ? call.requestBody : null, bodies ? call.responseText : null, call.errorCode,
                bodies ? call.choiceTexts : null, bodies ? call.finishReasons : null, call.metadata);
        for (RequestListener l : listeners) {
            try {
                l.completed(record);
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "request listener failed", e);
            }
        }
    }

    /** Settles the call's reservation with its real cost; an answered call whose usage is unknown keeps its estimate. */
    private void settle(Call call) {
        boolean unknown = call.promptTokens < 0 && call.completionTokens < 0;
        long used = unknown && call.status == 200 ? -1 // answered, but nothing reported: the reservation stays spent
                : Math.max(0, call.promptTokens) + Math.max(0, call.completionTokens);
        try {
            limiter.settle(call.reservation, used);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "settling the limits of " + call.requestId + " failed", e);
        }
    }

    /** The mutable state of one call while it is being served. */
    private static final class Call {
        final String requestId;
        final long start;
        final long startMillis;
        final String clientIp;
        Kind kind;
        Principal principal;
        String model;
        boolean stream;
        byte[] requestBody;
        GatewayMetrics.ModelMeters meters;
        int status = 200;
        String errorCode;
        String responseId;
        String responseText;
        List<String> choiceTexts;
        List<String> finishReasons;
        Map<String, String> metadata = Map.of();
        Limiter.Reservation reservation;
        long ttftNanos = -1;
        int promptTokens = -1;
        int completionTokens = -1;

        Call(String requestId, long start, long startMillis, String clientIp) {
            this.requestId = requestId;
            this.start = start;
            this.startMillis = startMillis;
            this.clientIp = clientIp;
        }
    }

    /** Reads request bodies with a size limit. */
    static final class Bodies {
        private Bodies() {}

        static byte[] read(Exchange ex, int limit) {
            long declared = ex.contentLength();
            if (declared > limit) {
                throw tooLarge(limit);
            }
            try (InputStream in = ex.body()) {
                byte[] body = in.readNBytes(limit + 1);
                if (body.length > limit) {
                    throw tooLarge(limit);
                }
                if (body.length == 0) {
                    throw new ApiException(new ApiError.InvalidRequest(
                            "The request body is empty; send a JSON object.", null, "invalid_json"));
                }
                return body;
            } catch (IOException e) {
                throw new ApiException(new ApiError.InvalidRequest("Could not read the request body: " + e.getMessage(),
                        null, "invalid_body"));
            }
        }

        private static ApiException tooLarge(int limit) {
            return new ApiException(new ApiError.PayloadTooLarge("The request body is larger than " + (limit / (1024 * 1024))
                    + " MiB, the limit of this server. Send a shorter prompt (or ask the operator to raise --max-body)."));
        }
    }
}
