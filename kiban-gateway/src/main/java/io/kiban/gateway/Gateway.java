package io.kiban.gateway;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
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
import io.kiban.gateway.upstream.Abort;
import io.kiban.gateway.upstream.UpstreamClient;
import io.kiban.gateway.upstream.UpstreamException;
import io.kiban.gateway.upstream.UpstreamRequest;
import io.kiban.gateway.upstream.UpstreamResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
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
 *   <li>Retries ({@link Attempts}): a replica that fails before answering is excluded and the request goes to
 *       another one, up to {@link GatewayConfig#maxAttempts()}: freely when the connection was refused; when the
 *       replica closed the connection with the request in hand, only {@link GatewayConfig#crashRetries()} times
 *       (the request may be what crashed it). A 503 or 429 answered before any work (a runtime still loading, a
 *       full queue) goes to another replica if one is ready now, else to the client. A timeout or a malformed
 *       answer is not retried.
 *   <li>Held streams ({@link Hold}): a streaming request that waits for a replica gets its headers and an SSE
 *       comment per heartbeat, so proxies keep the connection open; refusals after that arrive as a final error
 *       event.
 *   <li>Streams ({@link StreamRelay}): the client's response is committed when the runtime's headers arrive. If
 *       the runtime dies after that, the stream continues on another replica (the prompt plus the text so far), and
 *       the client sees one stream; where that is impossible it gets a final {@code data: {"error":…}} event and no
 *       {@code [DONE]}: never a silent truncation. If the client goes away, the upstream connection is closed,
 *       which stops the generation.
 *   <li>Whole responses are read completely before the first byte goes to the client, so a runtime that dies in
 *       the middle always yields a clean error status. Error bodies that are not API errors (HTML pages, stack
 *       traces) and 200s that are not JSON become a 502 of our own ({@link UpstreamErrors}).
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
            fail(ex, call, e.error());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            call.status = 503;
            fail(ex, call, new ApiError.ModelUnavailable("The server is shutting down; retry.", "shutting_down", Duration.ofSeconds(1)));
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, "request " + requestId + " failed", e);
            call.status = 500;
            fail(ex, call, new ApiError.Internal("Kiban failed to handle the request (id " + requestId + ")."));
        } finally {
            finish(call);
        }
    }

    /**
     * Answers with an error, unless the response has begun: a servlet container ignores the status and headers then
     * and would append the JSON envelope to the stream or body already sent.
     */
    private static void fail(Exchange ex, Call call, ApiError error) {
        if (!call.committed) {
            Errors.write(ex, error);
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
        long deadline = call.start + Math.min(config.holdTimeout().toNanos(), route.holdTimeoutNanos());
        Attempts attempts = new Attempts(config);
        Hold hold = scan.stream() ? new Hold(ex, route.model(), config.heartbeat()) : null;
        int timeout = scan.stream() ? StreamRelay.millis(config.firstTokenTimeout()) : 0; // 0: the client's own
        // A whole response writes nothing until it is done: a client that leaves meanwhile is found by the watch,
        // which aborts the upstream call and has the route cancel the generation.
        Abort abort = hold == null ? new Abort() : null;
        DisconnectWatch.Watch watch = hold == null ? DisconnectWatch.SHARED.watch(ex, () -> {
            abort.abort();
            Endpoint at = call.upstream;
            if (at != null) {
                Thread.startVirtualThread(() -> route.cancel(at, call.requestId));
            }
        }) : null;
        Endpoint next = null;
        try {
            while (true) {
                Endpoint endpoint = next != null ? next
                        : hold != null ? hold.acquire(route, body, attempts.excluded, deadline)
                        : route.acquire(body, attempts.excluded, deadline);
                next = null;
                Attempts.Lease lease = new Attempts.Lease(route, endpoint);
                UpstreamResponse response;
                long sent = System.nanoTime();
                call.upstream = endpoint;
                try {
                    attempts.sent++;
                    response = upstream.send(new UpstreamRequest("POST", endpoint.host(), endpoint.port(),
                            endpoint.basePath() + call.kind.suffix, headers(endpoint, call.requestId), upstreamBody, timeout,
                            abort));
                } catch (UpstreamException e) {
                    if (abort != null && abort.aborted()) { // the client left: not the replica's failure
                        lease.release(false);
                        if (e.kind() != UpstreamException.Kind.REFUSED) { // sent: the runtime had the prompt
                            billPromptOnly(call);
                        }
                        throw new Hold.ClientGone(e);
                    }
                    lease.release(true);
                    LOG.log(System.Logger.Level.WARNING, "{0}: replica {1} of {2} failed before answering: {3}",
                            call.requestId, endpoint.id(), route.model(), e.getMessage());
                    attempts.excluded.add(endpoint.id());
                    boolean retry = attempts.retry(e.kind());
                    call.meters.failover("before_response", retry ? "retried" : attempts.poisoned() ? "poison" : "gave_up");
                    if (retry) {
                        continue;
                    }
                    throw new ApiException(attempts.failure(route.model(), e.kind()));
                } catch (RuntimeException e) {
                    lease.release(true); // else the balancer counts this attempt as outstanding for ever
                    throw e;
                }
                if ((response.status() == 503 || response.status() == 429) && attempts.mayRetry()) {
                    // Refused before any work (still loading, full): another replica that is ready now may take it.
                    attempts.excluded.add(endpoint.id());
                    try {
                        next = route.poll(body, attempts.excluded, 0);
                    } catch (ApiException e) {
                        next = null; // the route refuses more waiting: relay this answer
                    }
                    if (next != null) {
                        LOG.log(System.Logger.Level.INFO, "{0}: replica {1} of {2} answered {3}; trying replica {4}",
                                call.requestId, endpoint.id(), route.model(), response.status(), next.id());
                        call.meters.failover("before_response", "retried");
                        response.close();
                        lease.release(true);
                        continue;
                    }
                }
                try (response) {
                    relay(ex, call, route, scan, body, response, lease, sent, attempts, hold, watch);
                } finally {
                    lease.release(false);
                }
                return;
            }
        } catch (Hold.ClientGone e) {
            call.status = 499;
            call.errorCode = "client_disconnected";
            call.committed = true;
        } catch (ApiException e) {
            if (hold == null || !hold.committed()) {
                throw e;
            }
            // The stream's headers went out while the request was held: the refusal is its final event.
            call.committed = true;
            call.status = ApiError.status(e.error());
            call.errorCode = e.error().code();
            try {
                Errors.writeEvent(hold.commit(), e.error());
            } catch (IOException gone) {
                call.status = 499;
            }
        } finally {
            if (watch != null) {
                watch.close();
            }
            if (next != null) {
                route.release(next, false); // taken for a retry that an exception then prevented
            }
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

    private void relay(Exchange ex, Call call, Route route, RequestScan scan, byte[] body, UpstreamResponse response,
            Attempts.Lease lease, long sent, Attempts attempts, Hold hold, DisconnectWatch.Watch watch)
            throws Hold.ClientGone {
        int status = response.status();
        String type = response.header("content-type");
        boolean sse = status == 200 && type != null && type.startsWith("text/event-stream");
        call.status = status;
        if (!sse || call.kind == Kind.EMBEDDING) {
            whole(ex, call, route, response, status, type, hold, watch);
            return;
        }
        if (hold == null) {
            hold = new Hold(ex, route.model(), config.heartbeat());
        }
        String reportedPrompt = response.header("x-kiban-prompt-tokens");
        StreamObserver observer = new StreamObserver(call.start, scan.stripUsage(), wantBodies);
        call.committed = true;
        OutputStream out;
        try {
            out = hold.commit();
        } catch (IOException e) {
            call.status = 499;
            call.errorCode = "client_disconnected";
            return;
        }
        StreamRelay.Outcome outcome = new StreamRelay(out, route, call.kind, call.requestId, body, !scan.stripUsage(),
                upstream, config, observer, hold, attempts, call.meters).run(response, lease, sent);
        call.status = outcome.status();
        call.errorCode = outcome.errorCode();
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

    /**
     * A whole call whose client left while the runtime worked on it: no usage came, so it is billed its prompt
     * (estimated), as a stream cut short before its usage chunk is, and no output.
     */
    private static void billPromptOnly(Call call) {
        call.promptTokens = estimatedPrompt(call);
        call.completionTokens = 0;
    }

    /** A quarter of the body's bytes: the usual estimate of a prompt's tokens when the runtime did not say. */
    private static int estimatedPrompt(Call call) {
        return call.requestBody == null ? 0 : (call.requestBody.length + 3) / 4;
    }

    private void whole(Exchange ex, Call call, Route route, UpstreamResponse response, int status, String type, Hold hold,
            DisconnectWatch.Watch watch) throws Hold.ClientGone {
        byte[] bytes;
        int limit = config.maxResponseBytes();
        try {
            // One byte more than the limit: readAll stops at its argument, which silently truncated big responses.
            bytes = response.readAll(limit == Integer.MAX_VALUE ? limit : limit + 1);
            if (watch != null) {
                watch.close(); // read whole: the client gets it now, or the write finds it gone
            }
        } catch (IOException e) {
            if (watch != null && watch.gone()) {
                billPromptOnly(call);
                throw new Hold.ClientGone(e);
            }
            if (e instanceof SocketTimeoutException) {
                throw new ApiException(new ApiError.UpstreamTimeout("The model '" + route.model()
                        + "' stopped sending its response for too long. Retry, or ask for fewer tokens."));
            }
            throw new ApiException(new ApiError.ModelUnavailable("The runtime serving '" + route.model()
                    + "' stopped in the middle of the response. Retry in a few seconds.", "upstream_disconnected", Duration.ofSeconds(2)));
        }
        if (bytes.length > limit) {
            throw new ApiException(new ApiError.BadUpstream("The response of the model '" + route.model()
                    + "' is larger than this server relays (" + limit + " bytes). Ask for fewer tokens or results."));
        }
        if (status == 200) {
            ResponseScan scan = ResponseScan.of(bytes);
            if (!scan.wellFormed()) {
                LOG.log(System.Logger.Level.WARNING, "{0}: {1} answered 200 with a body that is not JSON: {2}",
                        call.requestId, route.model(), UpstreamErrors.excerpt(bytes));
                throw new ApiException(new ApiError.BadUpstream("The runtime serving '" + route.model() + "' answered "
                        + "with a response that is not JSON. Retry later; if it persists, tell the operator."));
            }
            if (hold != null && hold.committed()) { // a stream was promised: the runtime ignored "stream"
                throw new ApiException(new ApiError.BadUpstream("The runtime serving '" + route.model() + "' answered "
                        + "a streaming request with a whole response."));
            }
            call.responseId = scan.id();
            call.promptTokens = scan.promptTokens();
            call.completionTokens = scan.completionTokens();
            call.ttftNanos = ttftNanos(response.header("x-kiban-ttft-ms"));
            if (wantBodies) {
                call.responseText = new String(bytes, StandardCharsets.UTF_8);
            }
        } else {
            byte[] relayed = UpstreamErrors.relayable(status, bytes);
            if (relayed == null) {
                LOG.log(System.Logger.Level.WARNING, "{0}: {1} answered {2} with a body that is not an API error: {3}",
                        call.requestId, route.model(), status, UpstreamErrors.excerpt(bytes));
                throw new ApiException(new ApiError.BadUpstream("The runtime serving '" + route.model() + "' failed "
                        + "with status " + status + " and no error message a client can use; the details are in the "
                        + "server log. Retry later; if it persists, tell the operator."));
            }
            bytes = relayed;
            type = "application/json";
            call.errorCode = "upstream_" + status;
            if (hold != null && hold.committed()) { // the stream is open: the runtime's error is its final event
                call.committed = true;
                try {
                    OutputStream out = hold.commit();
                    out.write("data: ".getBytes(StandardCharsets.US_ASCII));
                    out.write(bytes);
                    out.write("\n\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                } catch (IOException e) {
                    call.status = 499;
                    call.errorCode = "client_disconnected";
                }
                return;
            }
        }
        ex.status(status);
        ex.header("Content-Type", type == null ? "application/json" : type);
        String retry = response.header("retry-after");
        if (retry != null) {
            ex.header("Retry-After", retry);
        }
        ex.header("Content-Length", Integer.toString(bytes.length));
        call.committed = true;
        try (OutputStream out = ex.output()) {
            out.write(bytes);
        } catch (IOException e) {
            call.status = 499;
            call.errorCode = "client_disconnected";
        }
    }

    /** The runtime's time to first token header in nanoseconds, or -1 when absent or not a number (runtime output is untrusted). */
    private static long ttftNanos(String millis) {
        if (millis == null) {
            return -1;
        }
        try {
            long ms = Long.parseLong(millis.trim());
            return ms >= 0 && ms < Long.MAX_VALUE / 1_000_000 ? ms * 1_000_000 : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private void finish(Call call) {
        long duration = System.nanoTime() - call.start;
        if (call.meters == null) {
            metrics.refused(call.kind, call.status); // refused before a model was chosen
        } else {
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
        boolean committed;
        int status = 200;
        String errorCode;
        String responseId;
        String responseText;
        List<String> choiceTexts;
        List<String> finishReasons;
        Map<String, String> metadata = Map.of();
        Limiter.Reservation reservation;
        volatile Endpoint upstream; // the replica of the current attempt, for cancelling it when the client leaves
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
}
