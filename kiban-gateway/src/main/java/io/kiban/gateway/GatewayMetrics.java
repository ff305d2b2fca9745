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
 * </ul>
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
