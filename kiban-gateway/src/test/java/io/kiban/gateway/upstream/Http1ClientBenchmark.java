package io.kiban.gateway.upstream;

import io.kiban.gateway.jmh.Samples;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
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
 * The upstream client without the kernel ({@link CannedSocket}): parsing a response head, one whole request and
 * response on a pooled keep-alive connection, and reading a chunked event stream (per event). Socket system calls,
 * which a real exchange adds, are not in these numbers.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class Http1ClientBenchmark {
    private static final String HOST = "127.0.0.1";
    private static final int PORT = 41001;
    private static final List<String> HEADERS = List.of("Content-Type", "application/json", "x-request-id",
            "req_mhz3k2v81q2w3_1234567", "Authorization", "Bearer wk-7d1f0c2b9e8a4f6d");

    private Http1Client.Connection headOnly;
    private CannedSocket headSocket;
    private Http1Client wholeClient;
    private Http1Client streamClient;
    private UpstreamRequest wholeRequest;
    private UpstreamRequest streamRequest;
    private final byte[] readBuffer = new byte[16384];

    @Setup
    public void setup() throws Exception {
        headSocket = new CannedSocket(List.of(Samples.streamHead()));
        headOnly = new Http1Client().new Connection(headSocket, HOST + ':' + PORT);

        byte[] completion = Samples.completion(16);
        wholeClient = CannedSocket.client(new CannedSocket(List.of(Samples.wholeHead(completion.length), completion)),
                HOST, PORT);
        wholeRequest = new UpstreamRequest("POST", HOST, PORT, "/v1/chat/completions", HEADERS,
                Samples.wholeBody("chat-4KB"), 0);

        List<byte[]> parts = new ArrayList<>();
        parts.add(Samples.streamHead());
        for (byte[] event : Samples.stream(false)) {
            parts.add(Samples.httpChunk(event));
        }
        parts.add(Samples.lastChunk());
        streamClient = CannedSocket.client(new CannedSocket(parts), HOST, PORT);
        streamRequest = new UpstreamRequest("POST", HOST, PORT, "/v1/chat/completions", HEADERS,
                Samples.body("chat-4KB"), 600_000);

        if (head() != 31 || whole().length != completion.length
                || streamEvents() != Samples.totalBytes(Samples.stream(false))) {
            throw new IllegalStateException("canned exchanges not read back whole");
        }
    }

    /** Parsing the worker's streamed-response head (status line, 7 headers) and the two lookups the gateway makes. */
    @Benchmark
    public int head() throws IOException {
        headSocket.respond();
        headOnly.pos = 0;
        headOnly.lim = 0;
        UpstreamResponse r = headOnly.readResponse(false);
        String type = r.header("content-type");
        return r.status() == 200 && type.startsWith("text/event-stream")
                ? Integer.parseInt(r.header("x-kiban-prompt-tokens")) : -1;
    }

    /** A non-streamed call: request head built and written with a 4 KB body, response head and 16-token body read. */
    @Benchmark
    public byte[] whole() throws IOException {
        try (UpstreamResponse r = wholeClient.send(wholeRequest)) {
            return r.readAll(256 * 1024 * 1024);
        }
    }

    /** A streamed call read event by event (one HTTP chunk per read): per event, request and head included. */
    @Benchmark
    @OperationsPerInvocation(Samples.STREAM_EVENTS)
    public long streamEvents() throws IOException {
        long total = 0;
        try (UpstreamResponse r = streamClient.send(streamRequest)) {
            InputStream body = r.body();
            int n;
            while ((n = body.read(readBuffer, 0, readBuffer.length)) >= 0) {
                total += n;
            }
        }
        return total;
    }
}
