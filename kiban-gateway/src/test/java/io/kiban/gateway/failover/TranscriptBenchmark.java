package io.kiban.gateway.failover;

import io.kiban.gateway.jmh.Samples;
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

/**
 * Keeping what failover needs, per event: {@link Transcript#record} over a whole 256-token answer. Every relayed
 * event passes it (before the observer), so a stream can be continued on another replica; results are per event.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class TranscriptBenchmark {
    @Param({"worker", "spaced"})
    public String json;

    private byte[][] events;

    @Setup
    public void setup() {
        events = Samples.stream(json.equals("spaced")).toArray(new byte[0][]);
        Transcript t = record();
        if (!t.done() || !t.finished() || t.textEvents() != Samples.TOKENS) {
            throw new IllegalStateException("sample stream not recorded");
        }
    }

    private Transcript record() {
        Transcript t = new Transcript();
        for (byte[] e : events) {
            t.record(e, 0, e.length);
        }
        return t;
    }

    @Benchmark
    @OperationsPerInvocation(Samples.STREAM_EVENTS)
    public Transcript recordPerEvent() {
        return record();
    }
}
