/**
 * Request-driven autoscaling with Knative KPA semantics: a pure {@link io.kiban.control.autoscale.KpaDecider} and the
 * {@link io.kiban.control.autoscale.ConcurrencyWindow} that feeds it.
 *
 * <p>The thin loop that drives them, per deployment:
 *
 * <pre>{@code
 * // gateway, on every request start, finish, hold and release of the deployment:
 * window.record(System.nanoTime(), inFlight + waiting);
 *
 * // control loop, every 2 s, and at once when a request starts waiting at zero replicas:
 * long now = System.nanoTime();
 * var obs = new Observation(ready, desired,
 *         window.average(now, spec.stableWindow()), window.average(now, spec.panicWindow()), waiting);
 * ScaleDecision d = decider.decide(spec, state, obs, now);
 * state = d.state();
 * if (d.desiredReplicas() != desired) backend.scaleTo(d.desiredReplicas()); // and log d.reason()
 * }</pre>
 *
 * <p>Nothing here reads a clock, sleeps or does I/O; the tests step time by hand.
 */
package io.kiban.control.autoscale;
