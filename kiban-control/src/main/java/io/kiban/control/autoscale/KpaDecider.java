package io.kiban.control.autoscale;

import io.kiban.control.autoscale.KpaState.Recommendation;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A pure decision of how many replicas a deployment should have, with the semantics of Knative's Pod Autoscaler
 * (KPA): concurrency averaged over a stable and a panic window, panic mode for bursts, scale-up and scale-down rate
 * limits, a scale-down delay, and scale to zero after a grace period.
 *
 * <h2>Implementation notes</h2>
 *
 * <p><b>Purity.</b> {@link #decide} depends only on its arguments; everything it must remember between ticks is in
 * the {@link KpaState} it receives and returns. Tests replay a table of observations on a stepped clock; the thin loop
 * that calls it keeps one state per deployment. The class itself holds nothing and is safe to share.
 *
 * <p><b>The decision, in order</b> (each step's effect is named in {@link ScaleDecision#reason()}):
 *
 * <ol>
 *   <li>{@code stableWant = ceil(stable / target)}, {@code panicWant = ceil(panic / target)}. The ceiling forgives
 *       1e-9 so that an average of 2.0000000001, a rounding artefact of time weighting, does not ask for a third
 *       replica. A non-zero want is raised to {@code activationScale}, as Knative does: on the demand, not on the
 *       result, so an idle deployment still steps down through the scale-down rate and can reach zero. The
 *       scale-up rate always allows {@code activationScale}.
 *   <li>Both are kept within the rate limits {@code [floor(ready / downRate), ceil(upRate × max(1, ready))]}. The
 *       limits use <em>ready</em> replicas, as Knative does: replicas still starting carry no load yet.
 *   <li>Panic starts when {@code panicWant / max(1, ready) >= panicThreshold} (the unlimited {@code panicWant}, so a
 *       burst far beyond the rate limit still counts) and ends once a whole stable window has passed without that
 *       being true. While panicking the recommendation is {@code max(stable, panic)} and never below the largest one
 *       made during this panic: panic only scales up.
 *   <li>With a scale-down delay, the recommendation becomes the largest one of the trailing delay window.
 *   <li>A waiting request lifts a zero to {@code activationScale} (scale from zero; normally the windows already
 *       show the waiting request as concurrency, this makes it certain). Otherwise, with {@code minReplicas} 0, a
 *       zero keeps one replica until {@code scaleToZeroGrace} has passed since the deployment was last active (a
 *       non-zero recommendation or a waiting request). The stable window averages to zero only after a full window
 *       without requests, so with the defaults an idle deployment goes to zero about 60 s + 30 s after its last
 *       request.
 *   <li>The result is clamped to {@code [minReplicas, maxReplicas]}.
 * </ol>
 *
 * <p><b>Tick rate.</b> The rate limits apply per decision, as in Knative, whose autoscaler ticks every 2 s; call this
 * at a fixed interval (2 s is a good default) and additionally at once when a request starts waiting at zero
 * replicas, so scale-from-zero does not wait for the next tick.
 *
 * <p><b>Callers must serialise decisions per deployment</b>, threading each returned state into the next call. The
 * known race, if they do not:
 *
 * <ol>
 *   <li>the 2 s tick and a scale-from-zero poke both read state S and decide at once;
 *   <li>the tick's decision enters panic (state S1), the poke's does not (state S2);
 *   <li>whichever is stored last wins: storing S2 forgets the panic, and the next tick may scale down a burst.
 * </ol>
 *
 * A single loop thread per deployment (or a lock around decide-and-store) avoids it.
 *
 * <p><b>Not reproduced from Knative</b>: excess burst capacity (our gateway always holds requests, so there is no
 * activator to put in or take out of the path), RPS as a metric, and the initial-scale flag (the caller sets the
 * first desired count).
 */
public final class KpaDecider {

    /** Slack under which a concurrency/target ratio still rounds down; see the implementation notes. */
    private static final double CEIL_SLACK = 1e-9;

    /**
     * Decides how many replicas the deployment should have now.
     *
     * @param spec the deployment's autoscaling policy
     * @param state what the previous decision returned, or {@link KpaState#initial} for the first one
     * @param obs what the loop observed of the deployment
     * @param nowNanos the current {@link System#nanoTime()}-style reading; must not go backwards between calls
     * @return the desired count, the next state and the reason
     */
    public ScaleDecision decide(ScalingSpec spec, KpaState state, Observation obs, long nowNanos) {
        if (spec.maxReplicas() == 0) {
            return new ScaleDecision(0, new KpaState(KpaState.NEVER, KpaState.NEVER, 0, List.of(),
                    state.lastActiveNanos()), "max replicas is 0: deployment disabled → 0");
        }
        var why = new Reason();
        int ready = obs.readyReplicas();
        double readyForRates = Math.max(1, ready);
        double target = spec.targetConcurrency();
        long maxUp = (long) Math.min(Math.ceil(spec.maxScaleUpRate() * readyForRates), Integer.MAX_VALUE);
        maxUp = Math.max(maxUp, spec.activationScale());
        long maxDown = (long) Math.floor(ready / spec.maxScaleDownRate());

        long stableWant = replicasFor(obs.stableConcurrency(), target);
        long panicWant = replicasFor(obs.panicConcurrency(), target);
        double panicRatio = panicWant / readyForRates;
        boolean over = panicRatio >= spec.panicThreshold();
        long stable = clamp(activated(stableWant, spec), maxDown, maxUp);
        long panic = clamp(activated(panicWant, spec), maxDown, maxUp);

        // Panic mode.
        long stableNanos = spec.stableWindow().toNanos();
        long panicSince = state.panicSinceNanos();
        long lastOver = state.lastOverThresholdNanos();
        long maxPanic = state.maxPanicReplicas();
        boolean wasPanicking = panicSince != KpaState.NEVER;
        if (over) {
            if (!wasPanicking) {
                panicSince = nowNanos;
            }
            lastOver = nowNanos;
        } else if (wasPanicking && nowNanos - lastOver >= stableNanos) {
            why.main("panic over after %s (none for %s); %s", secs(nowNanos - panicSince), secs(stableNanos),
                    stableClause(spec, obs, stableWant));
            panicSince = KpaState.NEVER;
            lastOver = KpaState.NEVER;
            maxPanic = 0;
        }
        boolean panicking = panicSince != KpaState.NEVER;
        long want;
        if (panicking) {
            want = Math.max(stable, panic);
            String demand = String.format(Locale.ROOT, "%s concurrency %s needs %d, %s× the %d ready",
                    secs(spec.panicWindow().toNanos()), num(obs.panicConcurrency()), panicWant, num(panicRatio),
                    ready);
            if (!wasPanicking) {
                why.main("panic: %s (threshold %s×)", demand, num(spec.panicThreshold()));
            } else {
                why.main("panicking for %s: %s", secs(nowNanos - panicSince), demand);
            }
            if (want < maxPanic) {
                want = maxPanic;
                why.note("panic never scales down, holding %d", want);
            }
        } else {
            want = stable;
            why.main("%s", stableClause(spec, obs, stableWant));
        }
        long unlimited = panicking ? Math.max(stableWant, panicWant) : stableWant;
        if (unlimited > maxUp && want == maxUp) {
            why.note("max scale-up rate %s× %d ready allows %d", num(spec.maxScaleUpRate()), (long) readyForRates,
                    maxUp);
        } else if (!panicking && stableWant < maxDown) {
            why.note("max scale-down rate %s allows no fewer than %d", num(spec.maxScaleDownRate()), maxDown);
        }
        if (want > spec.maxReplicas()) {
            want = spec.maxReplicas();
            why.note("max replicas %d", want);
        }
        if (panicking) {
            maxPanic = want;
        }

        // Scale-down delay: the largest recommendation of the trailing window.
        List<Recommendation> recent = delayWindow(spec, state, (int) want, nowNanos);
        long result = recent.isEmpty() ? want : recent.getFirst().replicas();
        if (result > want) {
            why.note("scale-down delay %s holds %d", secs(spec.scaleDownDelay().toNanos()), result);
        }

        // Scale from zero on a waiting request; else to zero only after the grace period.
        long lastActive = state.lastActiveNanos();
        if (result > 0 || obs.waitingRequests() > 0 || lastActive == KpaState.NEVER) {
            lastActive = nowNanos;
        }
        if (result == 0 && obs.waitingRequests() > 0) {
            result = spec.activationScale();
            why.note("%d request%s waiting at %d ready replicas: activate%s", obs.waitingRequests(),
                    obs.waitingRequests() == 1 ? "" : "s", ready,
                    spec.activationScale() > 1 ? " (activation scale " + spec.activationScale() + ")" : "");
        } else if (result == 0 && spec.minReplicas() == 0 && (obs.desiredReplicas() > 0 || ready > 0)) {
            long graceNanos = spec.scaleToZeroGrace().toNanos();
            long idle = nowNanos - lastActive;
            if (idle < graceNanos) {
                result = 1;
                why.note("no demand; keeping 1 replica %s more (scale-to-zero grace %s)", secs(graceNanos - idle),
                        secs(graceNanos));
            } else {
                why.note("no demand for the scale-to-zero grace %s", secs(graceNanos));
            }
        }

        // Activation scale (already applied to the wants; named here when it decided) and bounds.
        boolean lifted = (stableWant > 0 && stableWant < spec.activationScale())
                || (panicking && panicWant > 0 && panicWant < spec.activationScale());
        if (result == spec.activationScale() && spec.activationScale() > 1 && lifted) {
            why.note("activation scale %d", spec.activationScale());
        }
        if (result < spec.minReplicas()) {
            result = spec.minReplicas();
            why.note("min replicas %d", result);
        } else if (result > spec.maxReplicas()) {
            result = spec.maxReplicas();
            why.note("max replicas %d", result);
        }

        var next = new KpaState(panicSince, lastOver, (int) maxPanic, recent, lastActive);
        return new ScaleDecision((int) result, next, why.render(result));
    }

    /**
     * The scale-down delay window after recording {@code want}: recommendations younger than the delay, oldest
     * first, each larger than all after it, so the first is the window's maximum. Empty when there is no delay.
     */
    private static List<Recommendation> delayWindow(ScalingSpec spec, KpaState state, int want, long nowNanos) {
        long delayNanos = spec.scaleDownDelay().toNanos();
        if (delayNanos == 0) {
            return List.of();
        }
        var kept = new ArrayList<Recommendation>(state.recent().size() + 1);
        for (Recommendation r : state.recent()) {
            if (nowNanos - r.atNanos() < delayNanos && r.replicas() > want) {
                kept.add(r);
            }
        }
        kept.add(new Recommendation(nowNanos, want));
        return kept;
    }

    private static String stableClause(ScalingSpec spec, Observation obs, long stableWant) {
        return String.format(Locale.ROOT, "%s concurrency %s at target %s per replica needs %d",
                secs(spec.stableWindow().toNanos()), num(obs.stableConcurrency()), num(spec.targetConcurrency()),
                stableWant);
    }

    /** Raises a non-zero count to the activation scale; zero stays zero, so an idle deployment can still shrink. */
    private static long activated(long replicas, ScalingSpec spec) {
        return replicas > 0 ? Math.max(replicas, spec.activationScale()) : 0;
    }

    /** {@code ceil(concurrency / target)}, forgiving rounding noise, saturated at {@code Integer.MAX_VALUE}. */
    static long replicasFor(double concurrency, double target) {
        double ratio = concurrency / target;
        return (long) Math.min(Math.max(0, Math.ceil(ratio - CEIL_SLACK)), Integer.MAX_VALUE);
    }

    private static long clamp(long v, long lo, long hi) {
        return Math.max(lo, Math.min(v, hi));
    }

    /** Seconds, e.g. {@code "6 s"} or {@code "0.5 s"}. */
    static String secs(long nanos) {
        double s = nanos / 1e9;
        return num(s) + " s";
    }

    /** A number as a person would write it: no fraction for whole numbers, else two significant decimals. */
    static String num(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        return String.format(Locale.ROOT, Math.abs(v) < 10 ? "%.2f" : "%.1f", v);
    }

    /** Builds the reason sentence: one main clause, then what changed the number, then the result. */
    private static final class Reason {
        private String main = "";
        private final StringBuilder notes = new StringBuilder();

        void main(String format, Object... args) {
            if (main.isEmpty()) {
                main = String.format(Locale.ROOT, format, args);
            }
        }

        void note(String format, Object... args) {
            notes.append("; ").append(String.format(Locale.ROOT, format, args));
        }

        String render(long result) {
            return main + notes + " → " + result;
        }
    }
}
