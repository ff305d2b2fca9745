package io.kiban.gateway;

import io.kiban.gateway.jmh.Samples;
import java.nio.charset.StandardCharsets;
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
 * What reading a request body costs the gateway: {@link RequestScan#of} (one streaming pass, no tree) and the body
 * sent upstream. A streamed request without {@code stream_options} gets {@code include_usage} spliced in (a copy);
 * one that has {@code stream_options} without {@code include_usage} is rewritten through a Jackson tree.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class RequestScanBenchmark {
    @Param({"chat-110B", "chat-4KB", "prompt-48KB"})
    public String body;

    private byte[] bytes;
    private byte[] withOptions;

    @Setup
    public void setup() {
        bytes = Samples.body(body);
        String s = new String(bytes, StandardCharsets.UTF_8);
        withOptions = s.replace(",\"stream\":true", ",\"stream\":true,\"stream_options\":{\"include_usage\":false}")
                .getBytes(StandardCharsets.UTF_8);
        RequestScan scan = RequestScan.of(bytes);
        if (!scan.stream() || !scan.model().equals(Samples.MODEL) || scan.upstreamBody(bytes).length <= bytes.length
                || RequestScan.of(withOptions).upstreamBody(withOptions).length <= bytes.length) {
            throw new IllegalStateException("sample body not scanned as a streamed request of " + Samples.MODEL);
        }
    }

    /** The scan alone (a non-streamed request sends its body upstream as it is). */
    @Benchmark
    public RequestScan scan() {
        return RequestScan.of(bytes);
    }

    /** Scan plus the upstream body of a streamed request: {@code stream_options} spliced in before the last brace. */
    @Benchmark
    public byte[] scanAndSplice() {
        return RequestScan.of(bytes).upstreamBody(bytes);
    }

    /** Scan plus the upstream body when the client sent {@code stream_options} without usage: a tree rewrite. */
    @Benchmark
    public byte[] scanAndRewrite() {
        return RequestScan.of(withOptions).upstreamBody(withOptions);
    }
}
