package io.kiban.server.limits;

import io.kiban.api.ApiError;
import io.kiban.gateway.spi.LimitExceeded;
import io.kiban.gateway.spi.Limiter;
import io.kiban.gateway.spi.Principal;
import io.kiban.store.quota.QuotaPeriod;
import io.kiban.store.quota.QuotaRepository;
import io.kiban.store.quota.QuotaSubject;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;

/**
 * The gateway's {@link Limiter}: a key's requests and tokens per minute ({@link KeyRateLimiter}), then the token
 * quotas of its user and project ({@link QuotaLedger}); admitted only if every limit admits, and then holding all of
 * them until the request is settled.
 *
 * <p>Estimate of a request's cost, which must bound what it can use: a quarter of the body's bytes for the prompt
 * (bytes/4 is the usual tokens-per-byte of English BPE; JSON syntax makes it generous), plus, per choice, the
 * output budget ({@code max_completion_tokens}/{@code max_tokens}), or when none is given the model's context window
 * (4096 for models whose window is unknown). The settle step replaces the estimate with the real usage.
 *
 * <p>Cost on the request path when nothing applies (no key limits, no quota for the user or project): two map
 * lookups and no allocation.
 */
public final class GatewayLimiter implements Limiter, AutoCloseable {
    static final int UNKNOWN_CONTEXT = 4096;

    private final KeyRateLimiter keys = new KeyRateLimiter();
    private final QuotaLedger quotas;
    private final ToIntFunction<String> contextLength;
    private final Clock clock;
    private final ScheduledExecutorService upkeep;
    private final ExecutorService prefetcher;

    /**
     * @param contextLength a model's context window in tokens, 0 when unknown
     * @param zone where daily and monthly quota windows begin
     */
    public GatewayLimiter(QuotaRepository quotaRepository, Clock clock, ZoneId zone,
            ToIntFunction<String> contextLength) {
        this.clock = clock;
        this.contextLength = contextLength;
        this.prefetcher = Executors.newSingleThreadExecutor(daemon("kiban-quota-prefetch"));
        this.quotas = new QuotaLedger(quotaRepository, clock, zone, prefetcher);
        this.upkeep = Executors.newSingleThreadScheduledExecutor(daemon("kiban-limits"));
    }

    /** Loads the quota limits and starts the upkeep (limit reloads every 5 s, idle give-backs, sweeps). */
    public GatewayLimiter start() {
        quotas.reloadLimits();
        upkeep.scheduleWithFixedDelay(this::maintainQuietly, 5, 5, TimeUnit.SECONDS);
        return this;
    }

    /** Reloads quota limits now (after an admin changed one on this server). */
    public void reloadQuotas() {
        quotas.reloadLimits();
    }

    @Override
    public Reservation reserve(Principal p, Demand demand) {
        boolean keyLimited = p.keyId() != null && (p.rpmLimit() > 0 || p.tpmLimit() > 0);
        QuotaSubject user = QuotaSubject.user(p.userId());
        QuotaSubject project = p.projectId() == null ? null : QuotaSubject.project(p.projectId());
        boolean quota = quotas.applies(user) || quotas.applies(project);
        if (!keyLimited && !quota) {
            return Reservation.EMPTY;
        }
        long estimate = estimate(demand);
        long now = nanos();
        KeyRateLimiter.Buckets buckets = null;
        if (keyLimited) {
            KeyRateLimiter.Taken taken = keys.take(p.keyId(), p.rpmLimit(), p.tpmLimit(), estimate, now);
            buckets = taken.buckets();
            if (taken.refusal() != null) {
                throw keyRefusal(p, taken.refusal(), estimate, demand, now);
            }
        }
        List<QuotaLedger.Entry> held = List.of();
        if (quota) {
            try {
                held = quotas.reserve(project == null ? List.of(user) : List.of(user, project), estimate);
            } catch (QuotaLedger.Refused r) {
                if (buckets != null) {
                    buckets.release(estimate, now);
                }
                throw quotaRefusal(r, estimate);
            }
        }
        List<String> headers = new ArrayList<>(12);
        if (buckets != null) {
            buckets.headers(headers, now);
        }
        return new Held(buckets, held, estimate, List.copyOf(headers));
    }

    @Override
    public void settle(Reservation reservation, long actualTokens) {
        if (!(reservation instanceof Held h)) {
            return;
        }
        if (h.buckets != null) {
            h.buckets.settle(h.estimate, actualTokens, nanos());
        }
        quotas.settle(h.quotas, h.estimate, actualTokens);
    }

    /** The tokens reserved for a request before it runs; see the class comment. */
    long estimate(Demand d) {
        long prompt = (d.promptBytes() + 3L) / 4;
        if (d.maxOutputTokens() >= 0) {
            return prompt + (long) Math.max(1, d.choices()) * d.maxOutputTokens();
        }
        int context = contextLength.applyAsInt(d.model());
        long window = context > 0 ? context : UNKNOWN_CONTEXT;
        return prompt + (long) Math.max(1, d.choices()) * Math.max(0, window - prompt);
    }

    private record Held(KeyRateLimiter.Buckets buckets, List<QuotaLedger.Entry> quotas, long estimate,
            List<String> headers) implements Reservation {}

    private LimitExceeded keyRefusal(Principal p, KeyRateLimiter.Refusal r, long estimate, Demand d, long now) {
        List<String> headers = new ArrayList<>(14);
        r.buckets().headers(headers, now);
        Duration retry = Duration.ofNanos(r.retryNanos());
        String when = "Retry in " + RateLimitHeaders.duration(r.retryNanos()) + ".";
        ApiError error;
        if (!r.tokens()) {
            error = new ApiError.RateLimited("Rate limit reached for key " + p.keyId() + ": " + p.rpmLimit()
                    + " requests per minute. " + when, "rate_limit_requests", retry);
        } else if (r.never()) {
            error = new ApiError.RateLimited("This request may use up to " + estimate + " tokens (prompt estimate "
                    + "plus " + (d.maxOutputTokens() >= 0 ? "max_tokens" : "the model's whole context window, as no "
                    + "max_tokens was given") + "), more than key " + p.keyId() + " may use per minute ("
                    + p.tpmLimit() + " tokens). Set a smaller max_tokens or send a shorter prompt.",
                    "rate_limit_tokens", retry);
        } else {
            error = new ApiError.RateLimited("Rate limit reached for key " + p.keyId() + ": " + p.tpmLimit()
                    + " tokens per minute; this request may use up to " + estimate + " tokens (prompt estimate plus "
                    + "max_tokens). " + when + " A smaller max_tokens fits sooner.", "rate_limit_tokens", retry);
        }
        return new LimitExceeded(error, headers); // Retry-After comes from the error's retryAfter
    }

    private LimitExceeded quotaRefusal(QuotaLedger.Refused r, long estimate) {
        String who = r.subject.type().wire() + " " + r.subject.id();
        String period = r.period == QuotaPeriod.DAY ? "daily" : "monthly";
        if (r.unavailable) {
            return new LimitExceeded(new ApiError.ModelUnavailable("The " + period + " token quota of " + who
                    + " cannot be checked right now (the database is unreachable). Retry in a few seconds.",
                    "quota_unavailable", Duration.ofSeconds(5)), List.of());
        }
        Instant now = clock.instant();
        Duration left = Duration.between(now, r.resetAt);
        String code = "quota_exceeded_" + r.subject.type().wire() + "_" + r.period.wire();
        String message = "The " + period + " token quota of " + who + " (" + r.limit + " tokens) does not cover "
                + "this request (up to " + estimate + " tokens). It resets at " + r.resetAt.atZone(quotas.zone())
                .toOffsetDateTime() + " (in " + human(left) + "). Ask an administrator to raise it, or wait.";
        List<String> headers = new ArrayList<>(8);
        RateLimitHeaders.tokens(headers, r.limit, 0, left.toNanos());
        return new LimitExceeded(new ApiError.RateLimited(message, code, left), headers);
    }

    static String human(Duration d) {
        long minutes = Math.max(1, (d.toSeconds() + 59) / 60);
        if (minutes < 60) {
            return minutes + " min";
        }
        long hours = minutes / 60;
        return hours < 48 ? hours + " h " + minutes % 60 + " min" : String.format(Locale.ROOT, "%d days", hours / 24);
    }

    private long nanos() {
        Instant now = clock.instant();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    private void maintainQuietly() {
        try {
            keys.sweep(nanos());
            quotas.maintain();
        } catch (RuntimeException e) {
            System.getLogger(GatewayLimiter.class.getName()).log(System.Logger.Level.ERROR, "limit upkeep failed", e);
        }
    }

    @Override
    public void close() {
        upkeep.shutdownNow();
        prefetcher.shutdown();
        try {
            prefetcher.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        quotas.giveBackAll();
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true);
            return t;
        };
    }
}
