package io.kiban.server.auth;

import io.kiban.server.Ids;
import io.kiban.store.audit.AuditAction;
import io.kiban.store.audit.AuditEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Turns authentication failures into audit events without letting an attacker flood the audit table.
 *
 * <h2>Implementation notes</h2>
 *
 * <p>Failures are grouped by (client address, reason, key id when the key is known) into windows of
 * {@code window} length. The first failure of a group writes one event at once (so a single mistake is visible
 * immediately); further failures in the same window are only counted, and {@link #flush()} writes one summary event
 * with the count when the window has ended. So one group costs at most two events per window, whatever the request
 * rate.
 *
 * <p>At most {@code maxGroups} groups are tracked; failures of new groups beyond that (an attacker rotating
 * addresses) are counted in one overflow group per reason with address {@code *}, so memory and events stay bounded
 * too: at most {@code 2 × (maxGroups + reasons)} events per window.
 *
 * <p>Events never contain the presented credential, not even its start: a client may send a secret of another
 * system by mistake. They carry the key id only when the key is real (expired, or used from a refused network).
 *
 * <p>Concurrency: {@link #failed} runs on request threads; {@link ConcurrentHashMap#compute} makes counting
 * atomic per group. {@link #flush()} runs on one timer thread; a failure that lands in a window while it is being
 * flushed is either included in its summary or starts a new window, never lost.
 */
public final class AuthFailureAuditor implements KeyAuthenticator.FailureListener, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(AuthFailureAuditor.class.getName());

    private record Group(String clientIp, String reason, String keyId) {}

    private static final class Window {
        final Instant start;
        final String userId;
        long suppressed;

        Window(Instant start, String userId) {
            this.start = start;
            this.userId = userId;
        }
    }

    private final Consumer<AuditEvent> sink;
    private final Clock clock;
    private final Duration window;
    private final int maxGroups;
    private final ConcurrentHashMap<Group, Window> windows = new ConcurrentHashMap<>();
    private ScheduledExecutorService flusher;

    public AuthFailureAuditor(Consumer<AuditEvent> sink, Clock clock, Duration window, int maxGroups) {
        this.sink = Objects.requireNonNull(sink, "sink");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.window = window;
        this.maxGroups = maxGroups;
    }

    @Override
    public void failed(String reason, String keyId, String userId, String clientIp) {
        Instant now = clock.instant();
        Group g = new Group(clientIp == null ? "" : clientIp, reason, keyId);
        if (!windows.containsKey(g) && windows.size() >= maxGroups) {
            g = new Group("*", reason, null);
        }
        boolean[] opened = {false};
        AuditEvent[] ended = {null};
        windows.compute(g, (k, w) -> {
            if (w == null || !now.isBefore(w.start.plus(window))) {
                if (w != null && w.suppressed > 0) {
                    ended[0] = summary(k, w); // an ended window not flushed yet: its summary comes first
                }
                opened[0] = true;
                return new Window(now, userId);
            }
            w.suppressed++;
            return w;
        });
        if (ended[0] != null) {
            sink.accept(ended[0]);
        }
        if (opened[0]) {
            sink.accept(event(g, now, userId, Map.of("reason", reason)));
        }
    }

    /** Writes summaries of windows that have ended and forgets them; returns how many events were written. */
    public int flush() {
        Instant now = clock.instant();
        List<AuditEvent> out = new ArrayList<>();
        for (Iterator<Group> it = windows.keySet().iterator(); it.hasNext(); ) {
            Group g = it.next();
            windows.computeIfPresent(g, (k, w) -> {
                if (now.isBefore(w.start.plus(window))) {
                    return w;
                }
                if (w.suppressed > 0) {
                    out.add(summary(k, w));
                }
                return null;
            });
        }
        out.forEach(sink);
        return out.size();
    }

    /** Flushes every {@code interval} on a daemon thread. */
    public synchronized AuthFailureAuditor start(Duration interval) {
        flusher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kiban-auth-audit");
            t.setDaemon(true);
            return t;
        });
        flusher.scheduleWithFixedDelay(this::flushQuietly, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** Stops the timer and writes the summaries of every open window, ended or not. */
    @Override
    public synchronized void close() {
        if (flusher != null) {
            flusher.shutdownNow();
        }
        List<AuditEvent> out = new ArrayList<>();
        for (Group g : windows.keySet()) {
            Window w = windows.remove(g);
            if (w != null && w.suppressed > 0) {
                out.add(summary(g, w));
            }
        }
        out.forEach(sink);
    }

    private void flushQuietly() {
        try {
            flush();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "writing authentication-failure summaries failed: " + e);
        }
    }

    /** Groups currently tracked (for tests and metrics). */
    public int trackedGroups() {
        return windows.size();
    }

    private AuditEvent summary(Group g, Window w) {
        Map<String, String> detail = new LinkedHashMap<>();
        detail.put("reason", g.reason());
        detail.put("count", Long.toString(w.suppressed));
        detail.put("window_start", w.start.toString());
        detail.put("window_seconds", Long.toString(window.toSeconds()));
        return event(g, clock.instant(), w.userId, detail);
    }

    private AuditEvent event(Group g, Instant at, String userId, Map<String, String> detail) {
        Map<String, String> d = new LinkedHashMap<>(detail);
        if (userId != null) {
            d.put("user_id", userId);
        }
        return new AuditEvent(Ids.next("aud_"), at, null, AuditAction.AUTHENTICATION_FAILED,
                g.keyId() == null ? null : "key", g.keyId(), g.clientIp().isEmpty() ? null : g.clientIp(), d);
    }
}
