package io.kiban.gateway;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's Prometheus metrics, per model. Meters are created once per model and status and then reused, so
 * recording costs a map lookup and a few atomic adds.
 *
 * <ul>
 *   <li>{@code kiban_requests_total{model,endpoint,status}}
 *   <li>{@code kiban_request_duration_seconds{model,endpoint}} (histogram)
 *   <li>{@code kiban_time_to_first_token_seconds{model}}, {@code kiban_time_per_output_token_seconds{model}}
 *   <li>{@code kiban_tokens_total{model,direction=input|output}}
 *   <li>{@code kiban_requests_in_flight{model}}
 *   <li>{@code kiban_failovers_total{model,stage,outcome}}: a replica failed a request; {@code stage} is
 *       {@code before_response} or {@code mid_stream}, {@code outcome} {@code retried}, {@code continued},
 *       {@code completed} (the output was whole; only the end was missing), {@code gave_up} or {@code poison}
 *       (the request broke more replicas than {@code crash-retries} allows)
 *   <li>{@code kiban_stream_failover_gap_seconds{model}}: in a continued stream, the time between the last text
 *       before the break and the first text after it, as the client sees it
 * </ul>
 *
 * <p>Requests refused before a model was chosen (401, 400, 404, 405, 413) count in {@code kiban_requests_total}
 * under the model {@code -}: model names in requests are the caller's input, and unknown ones must not create series.
 */
public final class GatewayMetrics {
    private static final Duration[] LATENCY_BUCKETS = millis(5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 120000);
    private static final Duration[] TOKEN_BUCKETS = millis(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000);

    private final MeterRegistry registry;
    private final ConcurrentHashMap<String, ModelMeters> models = new ConcurrentHashMap<>();

    public GatewayMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public ModelMeters model(String model) {
        ModelMeters m = models.get(model);
        return m != null ? m : models.computeIfAbsent(model, ModelMeters::new);
    }

    private final ConcurrentHashMap<Integer, Counter> refused = new ConcurrentHashMap<>();

    /** Counts a request refused before a model was chosen; {@code kind} is null for an unknown path. */
    void refused(Kind kind, int status) {
        int key = (kind == null ? 9 : kind.ordinal()) * 1000 + status;
        Counter c = refused.get(key);
        if (c == null) {
            c = refused.computeIfAbsent(key, k -> Counter.builder("kiban.requests").description("Requests by outcome")
                    .tag("model", "-").tag("endpoint", kind == null ? "-" : kind.label).tag("status", Integer.toString(status))
                    .register(registry));
        }
        c.increment();
    }

    /** The meters of one model. */
    public final class ModelMeters {
        private final String model;
        private final ConcurrentHashMap<Integer, Counter> requests = new ConcurrentHashMap<>();
        private final ConcurrentHashMap<Kind, Timer> durations = new ConcurrentHashMap<>();
        final Timer ttft;
        final Timer tpot;
        final Counter tokensIn;
        final Counter tokensOut;
        final AtomicInteger inFlight = new AtomicInteger();
        private final ConcurrentHashMap<String, Counter> failovers = new ConcurrentHashMap<>();
        private volatile Timer failoverGap;

        ModelMeters(String model) {
            this.model = model;
            this.ttft = Timer.builder("kiban.time.to.first.token").description("Time from request to the first generated token")
                    .tag("model", model).serviceLevelObjectives(LATENCY_BUCKETS).register(registry);
            this.tpot = Timer.builder("kiban.time.per.output.token").description("Mean time per generated token after the first")
                    .tag("model", model).serviceLevelObjectives(TOKEN_BUCKETS).register(registry);
            this.tokensIn = Counter.builder("kiban.tokens").description("Tokens processed").tag("model", model)
                    .tag("direction", "input").register(registry);
            this.tokensOut = Counter.builder("kiban.tokens").description("Tokens processed").tag("model", model)
                    .tag("direction", "output").register(registry);
            Gauge.builder("kiban.requests.in.flight", inFlight, AtomicInteger::get).description("Requests being served")
                    .tag("model", model).register(registry);
        }

        /** Counts one failure of a replica on a request and what the gateway did about it. */
        void failover(String stage, String outcome) {
            String key = stage + '/' + outcome;
            Counter c = failovers.get(key);
            if (c == null) {
                c = failovers.computeIfAbsent(key, k -> Counter.builder("kiban.failovers")
                        .description("Replica failures on a request, by stage and outcome").tag("model", model)
                        .tag("stage", stage).tag("outcome", outcome).register(registry));
            }
            c.increment();
        }

        void failoverGap(long nanos) {
            Timer t = failoverGap;
            if (t == null) {
                t = Timer.builder("kiban.stream.failover.gap").description("Time without text in a stream continued on "
                        + "another replica").tag("model", model).serviceLevelObjectives(LATENCY_BUCKETS).register(registry);
                failoverGap = t;
            }
            t.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        }

        void request(Kind kind, int status, long durationNanos) {
            String endpoint = kind.label;
            int key = kind.ordinal() * 1000 + status;
            Counter c = requests.get(key);
            if (c == null) {
                c = requests.computeIfAbsent(key, k -> Counter.builder("kiban.requests").description("Requests by outcome")
                        .tag("model", model).tag("endpoint", endpoint).tag("status", Integer.toString(status)).register(registry));
            }
            c.increment();
            Timer t = durations.get(kind);
            if (t == null) {
                t = durations.computeIfAbsent(kind, k -> Timer.builder("kiban.request.duration")
                        .description("Time from request to the end of the response").tag("model", model).tag("endpoint", k.label)
                        .serviceLevelObjectives(LATENCY_BUCKETS).register(registry));
            }
            t.record(durationNanos, java.util.concurrent.TimeUnit.NANOSECONDS);
        }
    }

    private static Duration[] millis(long... values) {
        Duration[] out = new Duration[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = Duration.ofMillis(values[i]);
        }
        return out;
    }
}
