package io.kiban.bench.client;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.Executors;

/**
 * {@link LlmClient} on the JDK's {@code java.net.http.HttpClient} (HTTP/1.1), kept as the measured alternative to
 * {@link RawHttpClient} (decision 0102). Bytes arrive through the client's selector thread and a queue, so event
 * stamps include that hand-off.
 */
public final class JdkLlmClient implements LlmClient {
    private final Target target;
    private final HttpClient http;
    private final Duration timeout;

    public JdkLlmClient(Target target, Duration timeout) {
        this.target = target;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout.compareTo(Duration.ofSeconds(30)) < 0 ? timeout : Duration.ofSeconds(30))
                .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
    }

    @Override
    public CallResult call(String endpointPath, byte[] body, boolean stream, boolean parseUsage) {
        HttpRequest.Builder b = HttpRequest.newBuilder(target.uri(endpointPath)).timeout(timeout)
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (target.apiKey() != null) {
            b.header("authorization", "Bearer " + target.apiKey());
        }
        for (String[] kv : target.headers()) {
            b.header(kv[0], kv[1]);
        }
        long send = System.nanoTime();
        long firstByte = 0;
        ResponseMeter meter = new ResponseMeter(stream, parseUsage);
        try {
            HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            firstByte = System.nanoTime();
            byte[] buf = new byte[16 * 1024];
            String failure = null;
            try (InputStream in = r.body()) {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    meter.onBytes(buf, 0, n, System.nanoTime());
                }
            } catch (HttpTimeoutException e) {
                failure = "timeout";
            } catch (IOException e) {
                failure = "incomplete";
            }
            return meter.finish(r.statusCode(), send, firstByte, System.nanoTime(), failure);
        } catch (HttpTimeoutException e) {
            return CallResult.failed("timeout", 0, send, firstByte, System.nanoTime());
        } catch (IOException e) {
            return CallResult.failed("io", 0, send, firstByte, System.nanoTime());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return CallResult.failed("io", 0, send, firstByte, System.nanoTime());
        }
    }

    @Override
    public void close() {
        http.close();
    }
}
