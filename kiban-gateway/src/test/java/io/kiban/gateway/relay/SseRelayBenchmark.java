package io.kiban.gateway.relay;

import io.kiban.gateway.jmh.Samples;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The framing part of relaying a stream, per event: {@link SseRelay} finds each event's end, shows it to an inspector
 * that keeps it, writes it and flushes, for a whole 256-token answer that arrives one event per read. Results are per
 * event ({@link OperationsPerInvocation}); the per-stream {@code new SseRelay()} (a 16 KiB buffer) is included.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class SseRelayBenchmark {
    private Samples.Parts upstream;
    private final Samples.Sink client = new Samples.Sink();
    private final SseInspector keepAll = (buf, from, to) -> true;

    @Setup
    public void setup() throws IOException {
        List<byte[]> events = Samples.stream(false);
        upstream = new Samples.Parts(events);
        new SseRelay().relay(upstream, client, keepAll);
        if (client.bytes != Samples.totalBytes(events) || client.flushes != Samples.STREAM_EVENTS) {
            throw new IllegalStateException("relayed " + client.bytes + " bytes in " + client.flushes + " flushes");
        }
    }

    @Benchmark
    @OperationsPerInvocation(Samples.STREAM_EVENTS)
    public long relayPerEvent() throws IOException {
        new SseRelay().relay(upstream.rewind(), client, keepAll);
        return client.bytes;
    }
}
