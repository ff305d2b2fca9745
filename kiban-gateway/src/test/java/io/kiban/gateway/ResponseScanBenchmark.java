package io.kiban.gateway;

import io.kiban.gateway.jmh.Samples;
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

/** What metering a whole (non-streamed) response costs: {@link ResponseScan#of} over the worker's JSON. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class ResponseScanBenchmark {
    /** Answer length in tokens: 16 (the overhead protocol's {@code max_tokens}) or a 1,000-token answer (~4 KB). */
    @Param({"16", "1000"})
    public int tokens;

    private byte[] body;

    @Setup
    public void setup() {
        body = Samples.completion(tokens);
        ResponseScan scan = ResponseScan.of(body);
        if (!scan.wellFormed() || scan.completionTokens() != tokens || !Samples.RESPONSE_ID.equals(scan.id())) {
            throw new IllegalStateException("sample response not scanned: " + scan);
        }
    }

    @Benchmark
    public ResponseScan scan() {
        return ResponseScan.of(body);
    }
}
