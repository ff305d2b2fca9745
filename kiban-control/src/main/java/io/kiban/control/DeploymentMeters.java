package io.kiban.control;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The Prometheus meters of one deployment, registered when it is deployed and removed when it is deleted, so
 * recording on the request path is an atomic add:
 *
 * <ul>
 *   <li>{@code kiban_deployment_replicas_desired}, {@code kiban_deployment_replicas_ready}
 *   <li>{@code kiban_deployment_requests_waiting}: requests held for a replica (the hold queue's depth)
 *   <li>{@code kiban_deployment_wait_seconds}: time each request waited for a replica (0 when one was free)
 *   <li>{@code kiban_deployment_cold_start_seconds}: time from starting a replica to its readiness
 *   <li>{@code kiban_deployment_scaling_decisions_total{direction=up|down}}: autoscaler decisions that changed the
 *       desired count
 * </ul>
 */
public final class DeploymentMeters {
    private static final Duration[] WAIT_BUCKETS = millis(1, 5, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
            30000, 60000, 300000);
    private static final Duration[] COLD_START_BUCKETS = millis(100, 250, 500, 1000, 2000, 5000, 10000, 30000, 60000,
            120000, 300000);

    /** Meters that record nothing, for deployments built without a registry (unit tests). */
    static final DeploymentMeters NONE = new DeploymentMeters();

    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();
    private final Timer wait;
    private final Timer coldStart;
    private final Counter up;
    private final Counter down;

    private DeploymentMeters() {
        registry = null;
        wait = null;
        coldStart = null;
        up = null;
        down = null;
    }

    DeploymentMeters(MeterRegistry registry, Deployment d) {
        this.registry = registry;
        String name = d.name();
        meters.add(Gauge.builder("kiban.deployment.replicas.desired", d, Deployment::desiredReplicas)
                .tag("deployment", name).description("Replicas the autoscaler asks for").register(registry));
        meters.add(Gauge.builder("kiban.deployment.replicas.ready", d, Deployment::readyReplicas)
                .tag("deployment", name).description("Ready replicas").register(registry));
        meters.add(Gauge.builder("kiban.deployment.requests.waiting", d, Deployment::waiting)
                .tag("deployment", name).description("Requests waiting for a ready replica with a free slot")
                .register(registry));
        wait = Timer.builder("kiban.deployment.wait").tag("deployment", name)
                .description("Time a request waited for a replica").serviceLevelObjectives(WAIT_BUCKETS)
                .register(registry);
        coldStart = Timer.builder("kiban.deployment.cold.start").tag("deployment", name)
                .description("Time from starting a replica to its readiness").serviceLevelObjectives(COLD_START_BUCKETS)
                .register(registry);
        up = Counter.builder("kiban.deployment.scaling.decisions").tag("deployment", name).tag("direction", "up")
                .description("Autoscaler decisions that changed the desired replicas").register(registry);
        down = Counter.builder("kiban.deployment.scaling.decisions").tag("deployment", name).tag("direction", "down")
                .description("Autoscaler decisions that changed the desired replicas").register(registry);
        meters.add(wait);
        meters.add(coldStart);
        meters.add(up);
        meters.add(down);
    }

    void waited(long nanos) {
        if (wait != null) {
            wait.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    void coldStart(long nanos) {
        if (coldStart != null) {
            coldStart.record(nanos, TimeUnit.NANOSECONDS);
        }
    }

    void decision(int from, int to) {
        if (up != null && to != from) {
            (to > from ? up : down).increment();
        }
    }

    /** Unregisters every meter of the deployment. */
    void remove() {
        if (registry != null) {
            meters.forEach(registry::remove);
        }
    }

    private static Duration[] millis(long... ms) {
        Duration[] d = new Duration[ms.length];
        for (int i = 0; i < ms.length; i++) {
            d[i] = Duration.ofMillis(ms[i]);
        }
        return d;
    }
}
