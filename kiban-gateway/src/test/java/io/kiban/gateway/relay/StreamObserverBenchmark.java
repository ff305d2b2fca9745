package io.kiban.gateway.relay;

import io.kiban.gateway.jmh.Samples;
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
 * Metering a stream, per event: {@link StreamObserver#onEvent} over a whole 256-token answer (role chunk, tokens,
 * finish, usage, {@code [DONE]}), with and without assembling the text for history, on the worker's compact JSON
 * and on spaced JSON. One new observer per stream, and {@code texts()} at its end, as the gateway does; results are
 * per event.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class StreamObserverBenchmark {
    /** {@code worker}: compact, as Kiban's worker writes; {@code spaced}: {@code ": "} and {@code ", "} separators. */
    @Param({"worker", "spaced"})
    public String json;

    /** Whether history wants the text (history on) or only the counts (history off, metadata-only keys). */
    @Param({"false", "true"})
    public boolean assemble;

    private byte[][] events;

    @Setup
    public void setup() {
        List<byte[]> stream = Samples.stream(json.equals("spaced"));
        events = stream.toArray(new byte[0][]);
        StreamObserver o = observe();
        if (!o.done() || o.textEvents() != Samples.TOKENS || o.completionTokens() != Samples.TOKENS
                || !Samples.RESPONSE_ID.equals(o.id()) || (assemble && o.texts().getFirst().isEmpty())) {
            throw new IllegalStateException("sample stream not metered");
        }
    }

    private StreamObserver observe() {
        StreamObserver o = new StreamObserver(System.nanoTime(), true, assemble);
        for (byte[] e : events) {
            o.onEvent(e, 0, e.length);
        }
        return o;
    }

    @Benchmark
    @OperationsPerInvocation(Samples.STREAM_EVENTS)
    public void observePerEvent(Blackhole bh) {
        StreamObserver o = observe();
        bh.consume(o.textEvents());
        if (assemble) {
            bh.consume(o.texts());
            bh.consume(o.finishReasons());
        }
    }
}
