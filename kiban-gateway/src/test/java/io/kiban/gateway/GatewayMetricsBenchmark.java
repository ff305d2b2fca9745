package io.kiban.gateway;

import io.kiban.gateway.jmh.Samples;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What metering one finished request costs in {@link GatewayMetrics}: the model's meters looked up, in-flight
 * counted up and down, then what {@code Gateway.finish} records for a streamed 200 (request counter, duration
 * histogram, tokens in and out, time to first token, time per output token). {@code prometheus} is the registry
 * {@code kiban serve} records into.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class GatewayMetricsBenchmark {
    @Param({"prometheus", "simple"})
    public String registry;

    private GatewayMetrics metrics;
    private long duration = 1_250_000_000L;

    @Setup
    public void setup() {
        MeterRegistry r = registry.equals("prometheus") ? new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)
                : new SimpleMeterRegistry();
        metrics = new GatewayMetrics(r);
        for (String other : new String[] {"llama-3.1-8b", "bge-m3", "qwen3-30b-a3b"}) {
            metrics.model(other).request(Kind.CHAT, 200, 1);
        }
        recordStreamedRequest();
    }

    @Benchmark
    public int recordStreamedRequest() {
        GatewayMetrics.ModelMeters m = metrics.model(Samples.MODEL);
        m.inFlight.incrementAndGet();
        m.inFlight.decrementAndGet();
        long d = duration++ & 0x3fff_ffffL; // varying durations land in varying buckets
        m.request(Kind.CHAT, 200, d);
        m.tokensIn.increment(31);
        m.tokensOut.increment(Samples.TOKENS);
        m.ttft.record(d >> 4, TimeUnit.NANOSECONDS);
        m.tpot.record((d - (d >> 4)) / (Samples.TOKENS - 1), TimeUnit.NANOSECONDS);
        return m.inFlight.get();
    }
}
