package io.kiban.gateway;

import io.kiban.gateway.jmh.Samples;
import io.kiban.gateway.relay.StreamObserver;
import io.kiban.gateway.spi.Endpoint;
import io.kiban.gateway.spi.Route;
import io.kiban.gateway.upstream.UpstreamResponse;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The gateway's whole per-event work on a healthy stream, per event: {@link StreamRelay#run} over a 256-token answer
 * that arrives one event per read: the read-timeout bookkeeping, {@code SseRelay} framing, the {@code Transcript}
 * (failover), the {@link StreamObserver} (metering, and the text for history when {@code assemble}), the usage chunk
 * withheld (the client did not ask for it), one write and one flush per event to a client whose socket costs
 * nothing here. Not included: reading the upstream socket and HTTP chunk framing ({@code Http1ClientBenchmark}),
 * and the servlet container's write.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class StreamRelayBenchmark {
    @Param({"worker", "spaced"})
    public String json;

    /** Whether history wants the text (history on, the default) or only the counts. */
    @Param({"true", "false"})
    public boolean assemble;

    private static final Endpoint ENDPOINT = new Endpoint("r1", "127.0.0.1", 41001, "/v1", null);
    private final GatewayConfig config = GatewayConfig.defaults();
    private final Samples.Sink client = new Samples.Sink();
    private final Route route = Samples.alwaysReady(ENDPOINT);
    private GatewayMetrics.ModelMeters meters;
    private byte[] body;
    private Samples.Parts events;
    private Canned response;

    @Setup
    public void setup() {
        body = Samples.body("chat-110B");
        events = new Samples.Parts(Samples.stream(json.equals("spaced")));
        response = new Canned(events);
        meters = new GatewayMetrics(new SimpleMeterRegistry()).model(Samples.MODEL);
        StreamObserver o = new StreamObserver(System.nanoTime(), true, assemble);
        StreamRelay.Outcome outcome = relay(o);
        List<byte[]> stream = Samples.stream(json.equals("spaced"));
        long expected = Samples.totalBytes(stream) - stream.get(stream.size() - 2).length; // usage chunk withheld
        if (outcome.status() != 200 || !o.done() || o.completionTokens() != Samples.TOKENS || client.bytes != expected) {
            throw new IllegalStateException("stream not relayed whole: " + outcome + ", " + client.bytes + " bytes");
        }
    }

    private StreamRelay.Outcome relay(StreamObserver observer) {
        events.rewind();
        StreamRelay relay = new StreamRelay(client, route, Kind.CHAT, "req_mhz3k2v81q2w3_1234567", body, false, null,
                config, observer, null, new Attempts(config), meters);
        return relay.run(response, new Attempts.Lease(route, ENDPOINT), System.nanoTime());
    }

    @Benchmark
    @OperationsPerInvocation(Samples.STREAM_EVENTS)
    public void relayPerEvent(Blackhole bh) {
        StreamObserver observer = new StreamObserver(System.nanoTime(), true, assemble);
        bh.consume(relay(observer));
        if (assemble) {
            bh.consume(observer.texts());
        }
    }

    /** The worker's streamed response, its body already past the HTTP layer. */
    private record Canned(InputStream body) implements UpstreamResponse {
        @Override
        public int status() {
            return 200;
        }

        @Override
        public String header(String name) {
            return switch (name) {
                case "content-type" -> "text/event-stream";
                case "x-kiban-prompt-tokens" -> "31";
                default -> null;
            };
        }

        @Override
        public long contentLength() {
            return -1;
        }

        @Override
        public void close() {}
    }
}
