package io.kiban.gateway;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.api.Json;
import io.kiban.gateway.failover.ContinuationRequest;
import io.kiban.gateway.failover.Splice;
import io.kiban.gateway.failover.Transcript;
import io.kiban.gateway.relay.SseEditor;
import io.kiban.gateway.relay.SseRelay;
import io.kiban.gateway.relay.StreamObserver;
import io.kiban.gateway.spi.Endpoint;
import io.kiban.gateway.spi.Route;
import io.kiban.gateway.upstream.UpstreamClient;
import io.kiban.gateway.upstream.UpstreamException;
import io.kiban.gateway.upstream.UpstreamRequest;
import io.kiban.gateway.upstream.UpstreamResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Relays one streamed chat or completion to the client and, when the runtime breaks the stream, continues it on
 * another replica so that the client sees one uninterrupted stream.
 *
 * <p>Implementation notes.
 * <ul>
 *   <li>Every event passes, in order: the {@link Splice} (continuations only: the original id, no second role
 *       chunk, the whole stream's usage), the {@link Transcript} (the text the client has, garbage detection), and
 *       the {@link StreamObserver} (metering; withholds the usage chunk the client did not ask for). The first
 *       response's events are forwarded byte for byte; only continued ones are rewritten.
 *   <li>Breaks: a connection closed, reset or ended without {@code [DONE]} is a crash; no read within the
 *       first-token or idle timeout is a stall. Either is continued ({@link ContinuationRequest}) unless the limit
 *       of continuations is reached, the request cannot be continued, or (crashes only) the request already broke
 *       {@code crash-retries} replicas: then the stream ends with a final {@code data: {"error":…}} event and no
 *       {@code [DONE]}, as before failover existed. A crashed replica is being replaced, so a continuation may wait
 *       for one (up to the hold timeout, with SSE comments); a stalled one is not, so a stall continues only on a
 *       replica that is ready now.
 *   <li>An error event from the runtime is forwarded and ends the stream (the runtime said what went wrong; it is
 *       not a crash). A data event that is not JSON ends the stream with {@code bad_upstream_response}.
 *   <li>If the text was already complete (the finish reason arrived, or the output budget was spent) when the
 *       stream broke, nothing is generated again: the gateway writes the missing finish chunk, the usage chunk
 *       (from the prompt size the runtime reported at the start) and {@code [DONE]} itself.
 *   <li>Endpoints: this class releases every endpoint it relays from, the first one included (as failed when it
 *       broke the stream).
 * </ul>
 */
final class StreamRelay {
    private static final System.Logger LOG = System.getLogger(StreamRelay.class.getName());
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    /** How the stream ended, for metering. */
    record Outcome(int status, String errorCode) {}

    /** Why a stream broke. */
    private record Break(boolean stall, String detail) {}

    private final OutputStream out;
    private final Route route;
    private final Kind kind;
    private final String requestId;
    private final byte[] body;
    private final UpstreamClient upstream;
    private final GatewayConfig config;
    private final StreamObserver observer;
    private final Transcript transcript = new Transcript();
    private final Hold hold;
    private final Attempts attempts;
    private final GatewayMetrics.ModelMeters meters;
    private final boolean clientWantsUsage;

    private Splice splice;
    private long lastTextNanos = -1;
    private boolean gapPending;

    StreamRelay(OutputStream out, Route route, Kind kind, String requestId, byte[] body, boolean clientWantsUsage,
            UpstreamClient upstream, GatewayConfig config, StreamObserver observer, Hold hold, Attempts attempts,
            GatewayMetrics.ModelMeters meters) {
        this.out = out;
        this.route = route;
        this.kind = kind;
        this.requestId = requestId;
        this.body = body;
        this.clientWantsUsage = clientWantsUsage;
        this.upstream = upstream;
        this.config = config;
        this.observer = observer;
        this.hold = hold;
        this.attempts = attempts;
        this.meters = meters;
    }

    /** Relays {@code first} (sent at {@code sentNanos} to {@code lease}'s endpoint) and whatever continues it. */
    Outcome run(UpstreamResponse first, Attempts.Lease lease, long sentNanos) {
        int reportedPrompt = count(first.header("x-kiban-prompt-tokens"));
        UpstreamResponse response = first;
        try {
            while (true) {
                Break broken;
                try {
                    relay(response, sentNanos);
                    if (observer.error()) {
                        return new Outcome(502, "upstream_error");
                    }
                    if (observer.done()) {
                        return new Outcome(200, null);
                    }
                    broken = new Break(false, "the stream ended without [DONE]");
                } catch (SseRelay.ClientGoneException e) {
                    return new Outcome(499, "client_disconnected"); // nginx's "client closed request"
                } catch (BadStream e) {
                    lease.release(true);
                    LOG.log(System.Logger.Level.WARNING, "{0}: replica {1} of {2} sent an event that is not JSON",
                            requestId, lease.endpoint.id(), route.model());
                    return end(new ApiError.BadUpstream("The runtime serving '" + route.model() + "' sent a malformed "
                            + "event; the output above is incomplete. Retry the request."), 502);
                } catch (SocketTimeoutException e) {
                    broken = new Break(true, "no output for too long");
                } catch (IOException e) {
                    broken = new Break(false, e.getMessage());
                }
                if (observer.error() || observer.done()) { // the break came after the end: nothing is missing
                    return observer.error() ? new Outcome(502, "upstream_error") : new Outcome(200, null);
                }
                response.close();
                lease.release(true);
                attempts.excluded.add(lease.endpoint.id());
                LOG.log(System.Logger.Level.WARNING, "{0}: stream from replica {1} of {2} broke after {3} text events: {4}",
                        requestId, lease.endpoint.id(), route.model(), transcript.textEvents(), broken.detail());
                if (transcript.finished() || budgetSpent()) {
                    meters.failover("mid_stream", "completed");
                    return complete(reportedPrompt);
                }
                Continued next = continuation(broken, reportedPrompt);
                if (next.outcome != null) {
                    return next.outcome;
                }
                response = next.response;
                lease = next.lease;
                sentNanos = next.sentNanos;
            }
        } finally {
            response.close();
            lease.release(false);
        }
    }

    /** A continuation under way, or how the stream ended instead. */
    private record Continued(UpstreamResponse response, Attempts.Lease lease, long sentNanos, Outcome outcome) {
        static Continued ended(Outcome outcome) {
            return new Continued(null, null, 0, outcome);
        }
    }

    private Continued continuation(Break broken, int reportedPrompt) {
        String why = null;
        byte[] request = null;
        boolean poison = !broken.stall() && !attempts.crashed();
        if (poison) {
            why = "it broke " + attempts.crashes + " replicas";
        } else if (attempts.continuations >= config.maxContinuations()) {
            why = "it was continued " + attempts.continuations + " times already";
        } else if (transcript.manyChoices()) {
            why = "more than one choice (n > 1)";
        } else {
            try {
                request = ContinuationRequest.build(kind == Kind.CHAT, body, transcript.text(), transcript.textEvents());
            } catch (ContinuationRequest.NotContinuable e) {
                why = e.getMessage();
            }
        }
        if (why == null) {
            attempts.continuations++;
            long deadline = System.nanoTime() + (broken.stall() ? 0 : Math.min(config.holdTimeout().toNanos(), route.holdTimeoutNanos()));
            while (true) {
                Endpoint endpoint;
                try {
                    endpoint = broken.stall() ? route.poll(body, attempts.excluded, 0)
                            : hold.acquire(route, body, attempts.excluded, deadline);
                } catch (ApiException e) {
                    endpoint = null;
                } catch (Hold.ClientGone e) {
                    return Continued.ended(new Outcome(499, "client_disconnected"));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    endpoint = null;
                }
                if (endpoint == null) {
                    why = "no other replica became ready in time";
                    break;
                }
                Attempts.Lease lease = new Attempts.Lease(route, endpoint);
                long sent = System.nanoTime();
                UpstreamResponse response;
                try {
                    attempts.sent++;
                    response = upstream.send(request(endpoint, request));
                } catch (UpstreamException e) {
                    lease.release(true);
                    attempts.excluded.add(endpoint.id());
                    LOG.log(System.Logger.Level.WARNING, "{0}: continuation on replica {1} of {2} failed: {3}", requestId,
                            endpoint.id(), route.model(), e.getMessage());
                    if (attempts.retry(e.kind())) {
                        continue;
                    }
                    poison = attempts.poisoned();
                    why = poison ? "it broke " + attempts.crashes + " replicas" : "the continuation failed too";
                    break;
                } catch (RuntimeException e) {
                    lease.release(true);
                    throw e;
                }
                String type = response.header("content-type");
                if (response.status() != 200 || type == null || !type.startsWith("text/event-stream")) {
                    LOG.log(System.Logger.Level.WARNING, "{0}: replica {1} of {2} refused the continuation with status {3}",
                            requestId, endpoint.id(), route.model(), response.status());
                    response.close();
                    lease.release(true);
                    why = "the continuation was refused (status " + response.status() + ")";
                    break;
                }
                LOG.log(System.Logger.Level.INFO, "{0}: stream of {1} continues on replica {2} after {3} text events",
                        requestId, route.model(), endpoint.id(), transcript.textEvents());
                meters.failover("mid_stream", "continued");
                splice = new Splice(transcript.id(), transcript.created(), reportedPrompt, transcript.textEvents());
                gapPending = true;
                return new Continued(response, lease, sent, null);
            }
        }
        meters.failover("mid_stream", poison ? "poison" : "gave_up");
        LOG.log(poison ? System.Logger.Level.ERROR : System.Logger.Level.WARNING,
                "{0}: stream of {1} not continued: {2}", requestId, route.model(), why);
        ApiError error;
        int status;
        if (poison) {
            error = new ApiError.ModelUnavailable("The runtime serving '" + route.model() + "' stopped " + attempts.crashes
                    + " times while generating this response; it was not sent to another replica, because the request "
                    + "itself may be what stops it. The output above is incomplete.", "upstream_crashed", null);
            status = 502;
        } else if (broken.stall()) {
            error = new ApiError.UpstreamTimeout("The model '" + route.model() + "' stopped sending output for too long; "
                    + "the output above is incomplete. Retry, or ask for fewer tokens.");
            status = 504;
        } else {
            error = new ApiError.ModelUnavailable("The runtime serving '" + route.model() + "' stopped in the middle "
                    + "of the response, which could not be continued on another replica (" + why + "); the output above "
                    + "is incomplete. Retry the request.", "upstream_disconnected", Duration.ofSeconds(2));
            status = 502;
        }
        return Continued.ended(end(error, status));
    }

    private UpstreamRequest request(Endpoint endpoint, byte[] request) {
        List<String> headers = endpoint.authorization() == null
                ? List.of("Content-Type", "application/json", "x-request-id", requestId)
                : List.of("Content-Type", "application/json", "x-request-id", requestId, "Authorization", endpoint.authorization());
        return new UpstreamRequest("POST", endpoint.host(), endpoint.port(), endpoint.basePath() + kind.suffix, headers,
                request, millis(config.firstTokenTimeout()));
    }

    /** Relays one response until it ends; reads time out per the first-token and idle timeouts. */
    private void relay(UpstreamResponse response, long sentNanos) throws IOException {
        int textAtStart = transcript.textEvents();
        long firstTokenDeadline = sentNanos + config.firstTokenTimeout().toNanos();
        int idle = millis(config.idleTimeout());
        InputStream in = response.body();
        InputStream timed = new InputStream() {
            private int current = -1;

            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int wanted = transcript.textEvents() > textAtStart ? idle
                        : (int) Math.clamp((firstTokenDeadline - System.nanoTime()) / 1_000_000, 1, Integer.MAX_VALUE);
                if (wanted != current) {
                    response.readTimeout(wanted);
                    current = wanted;
                }
                return in.read(b, off, len);
            }
        };
        new SseRelay().relay(timed, out, this::edit);
    }

    /** The chain every event passes: splice (continuations), transcript, observer. */
    private byte[] edit(byte[] buf, int from, int to) throws IOException {
        byte[] replaced = null;
        if (splice != null) {
            byte[] r = splice.edit(buf, from, to);
            if (r == SseEditor.WITHHOLD) {
                return r;
            }
            if (r != null) {
                replaced = r;
                buf = r;
                from = 0;
                to = r.length;
            }
        }
        boolean terminated = to - from >= 2 && buf[to - 1] == '\n' && (buf[to - 2] == '\n' || buf[to - 2] == '\r');
        Transcript.Event event = transcript.record(buf, from, to);
        if (event == Transcript.Event.GARBAGE) {
            if (!terminated) { // the last, cut-off event of a stream whose runtime died: a crash, not garbage
                throw new IOException("the stream ended in the middle of an event");
            }
            throw new BadStream();
        }
        if (event == Transcript.Event.TEXT) {
            long now = System.nanoTime();
            if (gapPending) {
                gapPending = false;
                if (lastTextNanos > 0) {
                    meters.failoverGap(now - lastTextNanos);
                }
            }
            lastTextNanos = now;
        }
        if (!observer.onEvent(buf, from, to)) {
            return SseEditor.WITHHOLD;
        }
        if (!terminated) { // keep the client's stream well-formed whatever follows
            byte[] whole = new byte[to - from + 2];
            System.arraycopy(buf, from, whole, 0, to - from);
            whole[whole.length - 2] = '\n';
            whole[whole.length - 1] = '\n';
            return whole;
        }
        return replaced;
    }

    /** Whether the client has all the tokens it asked for (the runtime died before saying so). */
    private boolean budgetSpent() {
        int budget = ContinuationRequest.budget(kind == Kind.CHAT, body);
        return budget >= 0 && transcript.textEvents() >= budget;
    }

    /**
     * Ends a stream whose text is complete: the finish chunk if it is missing, the usage chunk when the prompt size
     * is known (withheld by the observer when the client did not ask), and {@code [DONE]}.
     */
    private Outcome complete(int reportedPrompt) {
        try {
            if (!transcript.finished()) {
                emit(chunk(List.of(finishChoice()), null));
            }
            if (reportedPrompt >= 0) {
                int completion = transcript.textEvents();
                emit(chunk(List.of(), Map.of("prompt_tokens", reportedPrompt, "completion_tokens", completion,
                        "total_tokens", reportedPrompt + completion)));
            } else if (clientWantsUsage) {
                return end(new ApiError.ModelUnavailable("The runtime serving '" + route.model() + "' stopped before "
                        + "reporting the usage of this response; the text above is complete.", "upstream_disconnected",
                        Duration.ofSeconds(2)), 502);
            }
            out.write(DONE);
            out.flush();
            return new Outcome(200, null);
        } catch (IOException e) {
            return new Outcome(499, "client_disconnected");
        }
    }

    private Map<String, Object> finishChoice() {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("index", 0);
        if (kind == Kind.CHAT) {
            c.put("delta", Map.of());
        } else {
            c.put("text", "");
        }
        c.put("finish_reason", "length");
        return c;
    }

    private byte[] chunk(List<Map<String, Object>> choices, Map<String, Integer> usage) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("id", transcript.id() == null ? requestId : transcript.id());
        c.put("object", kind == Kind.CHAT ? "chat.completion.chunk" : "text_completion");
        c.put("created", transcript.created() >= 0 ? transcript.created() : System.currentTimeMillis() / 1000);
        c.put("model", transcript.model() == null ? route.model() : transcript.model());
        c.put("choices", choices);
        if (usage != null) {
            c.put("usage", usage);
        }
        byte[] json = Json.write(c);
        byte[] event = new byte[json.length + 8];
        System.arraycopy("data: ".getBytes(StandardCharsets.US_ASCII), 0, event, 0, 6);
        System.arraycopy(json, 0, event, 6, json.length);
        event[event.length - 2] = '\n';
        event[event.length - 1] = '\n';
        return event;
    }

    private void emit(byte[] event) throws IOException {
        transcript.record(event, 0, event.length);
        if (observer.onEvent(event, 0, event.length)) {
            out.write(event);
        }
    }

    private Outcome end(ApiError error, int status) {
        Errors.writeEvent(out, error);
        return new Outcome(status, error.code());
    }

    private static int count(String header) {
        if (header == null) {
            return -1;
        }
        try {
            int n = Integer.parseInt(header.trim());
            return n >= 0 ? n : -1;
        } catch (NumberFormatException e) {
            return -1; // runtime output is untrusted
        }
    }

    static int millis(Duration d) {
        return (int) Math.clamp(d.toMillis(), 1, Integer.MAX_VALUE);
    }

    /** A data event that is not JSON: the runtime is not speaking the protocol. */
    static final class BadStream extends IOException {
        BadStream() {
            super("an event that is not JSON", null);
        }
    }
}
