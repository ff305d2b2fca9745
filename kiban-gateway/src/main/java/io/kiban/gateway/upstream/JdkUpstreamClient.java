package io.kiban.gateway.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;

/**
 * {@link UpstreamClient} on {@code java.net.http.HttpClient}, kept as the measured alternative to {@link Http1Client}
 * (select it with {@code -Dkiban.upstream=jdk}); see docs/decisions/0002-gateway-http-stack.md for the numbers.
 */
public final class JdkUpstreamClient implements UpstreamClient {
    private final HttpClient client;
    private final Duration readTimeout;

    public JdkUpstreamClient(Duration connectTimeout, Duration readTimeout) {
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout)
                .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
        this.readTimeout = readTimeout;
    }

    @Override
    public UpstreamResponse send(UpstreamRequest r) throws UpstreamException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + r.host() + ":" + r.port() + r.path()))
                .timeout(readTimeout)
                .method(r.method(), r.body() == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(r.body()));
        for (int i = 0; i + 1 < r.headers().size(); i += 2) {
            b.header(r.headers().get(i), r.headers().get(i + 1));
        }
        try {
            HttpResponse<InputStream> res = send(b.build(), r.abort());
            return new UpstreamResponse() {
                @Override
                public int status() {
                    return res.statusCode();
                }

                @Override
                public String header(String name) {
                    return res.headers().firstValue(name).orElse(null);
                }

                @Override
                public long contentLength() {
                    return res.headers().firstValueAsLong("content-length").orElse(-1);
                }

                @Override
                public InputStream body() {
                    return res.body();
                }

                @Override
                public void close() {
                    try {
                        res.body().close();
                    } catch (IOException ignored) {
                        // Already closed.
                    }
                }
            };
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UpstreamException("interrupted", e, UpstreamException.Kind.REFUSED);
        } catch (HttpConnectTimeoutException | ConnectException e) {
            throw new UpstreamException("Cannot connect to " + r.host() + ":" + r.port() + ": " + e.getMessage(), e,
                    UpstreamException.Kind.REFUSED);
        } catch (HttpTimeoutException e) {
            throw new UpstreamException("Timed out: " + e.getMessage(), e, UpstreamException.Kind.TIMEOUT);
        } catch (IOException e) {
            throw new UpstreamException("Upstream failed: " + e.getMessage(), e, UpstreamException.Kind.CLOSED);
        }
    }

    @Override
    public void close() {
        client.close();
    }

    /** Sends through the async API so that an {@link Abort} can cancel the exchange, then the body it streams. */
    private HttpResponse<InputStream> send(HttpRequest request, Abort abort) throws IOException, InterruptedException {
        CompletableFuture<HttpResponse<InputStream>> f = client.sendAsync(request, HttpResponse.BodyHandlers.ofInputStream());
        if (abort != null) {
            abort.attach(() -> f.cancel(true));
        }
        HttpResponse<InputStream> res;
        try {
            res = f.get();
        } catch (CancellationException e) {
            throw new IOException("aborted", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause());
        }
        if (abort != null) {
            abort.attach(res.body());
        }
        return res;
    }
}
