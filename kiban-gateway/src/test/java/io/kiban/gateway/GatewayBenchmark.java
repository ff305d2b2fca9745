package io.kiban.gateway;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.gateway.jmh.Samples;
import io.kiban.gateway.spi.Authenticator;
import io.kiban.gateway.spi.Endpoint;
import io.kiban.gateway.spi.ModelRouter;
import io.kiban.gateway.spi.Principal;
import io.kiban.gateway.spi.RequestListener;
import io.kiban.gateway.spi.RequestRecord;
import io.kiban.gateway.spi.Route;
import io.kiban.gateway.upstream.CannedSocket;
import io.kiban.gateway.upstream.Http1Client;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One whole call through {@link Gateway#handle}, in memory: the real request scan, metrics (Prometheus registry),
 * {@link Http1Client} on a pooled connection to a {@link CannedSocket} worker, relay and metering; the key check is
 * a map lookup and the route has one ready endpoint (their real costs are in kiban-server's
 * {@code GovernanceBenchmark}). With {@code history}, a listener that wants bodies receives every record, as
 * history does (the record is kept, not stored). What is left out: Tomcat, socket system calls, the limiter.
 *
 * <p>{@code tokens} 16 and 256 for streams separate the per-request part from the per-chunk part:
 * per chunk = (t(256) − t(16)) / 240.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class GatewayBenchmark {
    @Param({"false", "true"})
    public boolean stream;

    @Param({"16", "256"})
    public int tokens;

    @Param({"false", "true"})
    public boolean history;

    private static final String KEY = "Bearer sk-kiban-4Jd8sK2mQ9wX7zL1pR5tV3nB6yH0cF2gAa1b2c";
    private static final Endpoint ENDPOINT = new Endpoint("r1", "127.0.0.1", 41001, "/v1", null);
    private static final Principal PRINCIPAL = new Principal("user_1", "key_1", null, false, Set.of(), false);

    private Gateway gateway;
    private Http1Client upstream;
    private byte[] body;
    private final Keep keep = new Keep();
    private Call call;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        body = stream ? Samples.body("chat-110B") : Samples.wholeBody("chat-110B");
        List<byte[]> response = new ArrayList<>();
        if (stream) {
            response.add(Samples.streamHead());
            for (byte[] event : Samples.stream(false, tokens)) {
                response.add(Samples.httpChunk(event));
            }
            response.add(Samples.lastChunk());
        } else {
            byte[] completion = Samples.completion(tokens);
            response.add(Samples.wholeHead(completion.length));
            response.add(completion);
        }
        upstream = CannedSocket.client(new CannedSocket(response), ENDPOINT.host(), ENDPOINT.port());
        Authenticator keys = (header, ip) -> {
            if (!KEY.equals(header)) {
                throw new ApiException(new ApiError.Unauthenticated("Incorrect API key provided.", "invalid_api_key"));
            }
            return PRINCIPAL;
        };
        Route route = Samples.alwaysReady(ENDPOINT);
        ModelRouter router = (model, principal) -> model.equals(Samples.MODEL) ? route : null;
        gateway = new Gateway(keys, router, upstream, new GatewayMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)),
                history ? List.of(keep) : List.of(), GatewayConfig.defaults());
        call = new Call(body);
        gateway.handle(call);
        if (call.status != 200 || (history && (keep.last == null || keep.last.completionTokens() != tokens
                || keep.last.responseBody() == null))) {
            throw new IllegalStateException("call failed: " + call.status + " " + keep.last);
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        upstream.close();
    }

    @Benchmark
    public int handle() {
        call.reset();
        gateway.handle(call);
        return call.status;
    }

    /** A listener that wants bodies and keeps the last record, as history does before its queue. */
    private static final class Keep implements RequestListener {
        volatile RequestRecord last;

        @Override
        public boolean wantsBodies() {
            return true;
        }

        @Override
        public void completed(RequestRecord record) {
            last = record;
        }
    }

    /** A client's POST, reusable; the response goes to a sink. */
    private static final class Call implements Exchange {
        private final byte[] body;
        private final Samples.Sink out = new Samples.Sink();
        int status;
        int headers;

        Call(byte[] body) {
            this.body = body;
        }

        void reset() {
            status = -1;
            headers = 0;
        }

        @Override
        public String method() {
            return "POST";
        }

        @Override
        public String path() {
            return "/v1/chat/completions";
        }

        @Override
        public String query() {
            return null;
        }

        @Override
        public String header(String name) {
            return name.equalsIgnoreCase("Authorization") ? KEY : null;
        }

        @Override
        public String clientIp() {
            return "10.1.2.3";
        }

        @Override
        public long contentLength() {
            return body.length;
        }

        @Override
        public InputStream body() {
            return new ByteArrayInputStream(body);
        }

        @Override
        public void status(int status) {
            this.status = status;
        }

        @Override
        public void header(String name, String value) {
            headers++;
        }

        @Override
        public OutputStream output() {
            return out;
        }
    }
}
