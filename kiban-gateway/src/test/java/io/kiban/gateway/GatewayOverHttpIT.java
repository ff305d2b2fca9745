package io.kiban.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.kiban.gateway.spi.Endpoint;
import io.kiban.gateway.spi.Principal;
import io.kiban.gateway.testing.FakeRuntime;
import io.kiban.gateway.testing.RawServer;
import io.kiban.gateway.upstream.Http1Client;
import io.kiban.gateway.upstream.UpstreamRequest;
import io.kiban.gateway.upstream.UpstreamResponse;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The gateway behind a real HTTP server, with real client sockets: streaming latency and client disconnects. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class GatewayOverHttpIT {
    private static final String STREAM = "{\"model\":\"m\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";

    private final FakeRouter router = new FakeRouter();
    private final RecordingListener listener = new RecordingListener(false);
    private final Http1Client upstream = new Http1Client(Duration.ofMillis(500), Duration.ofSeconds(3), Duration.ofSeconds(20), 8);
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private HttpServer front;
    private RawServer runtime;

    @BeforeEach
    void start() throws IOException {
        System.setProperty("sun.net.httpserver.nodelay", "true");
        FakeAuthenticator auth = new FakeAuthenticator().with("good", new Principal("u", "k", "p", false, Set.of(), false));
        Gateway gateway = new Gateway(auth, router, upstream, new GatewayMetrics(new SimpleMeterRegistry()), List.of(listener),
                new GatewayConfig(1 << 20, 1 << 20, Duration.ofSeconds(2), 3));
        front = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 50);
        front.setExecutor(executor);
        front.createContext("/v1/", ex -> {
            HttpServerExchange exchange = new HttpServerExchange(ex);
            gateway.handle(exchange);
            exchange.finish();
        });
        front.start();
    }

    @AfterEach
    void stop() throws IOException {
        front.stop(0);
        executor.shutdownNow();
        upstream.close();
        if (runtime != null) {
            runtime.close();
        }
    }

    private static String token(int i) {
        return "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"t" + i + "\"}}]}\n\n";
    }

    @Test
    void each_event_reaches_the_client_before_the_runtime_sends_the_next() throws Exception {
        CountDownLatch clientGotFirst = new CountDownLatch(1);
        AtomicBoolean secondWaitedForClient = new AtomicBoolean();
        runtime = new RawServer(conn -> {
            conn.readRequest();
            conn.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
            conn.chunk(token(1));
            secondWaitedForClient.set(clientGotFirst.await(3, TimeUnit.SECONDS));
            conn.chunk(token(2));
            conn.chunk(FakeRuntime.USAGE_CHUNK);
            conn.chunk("data: [DONE]\n\n");
            conn.write("0\r\n\r\n");
        });
        router.add("m", new Endpoint("r1", "127.0.0.1", runtime.port(), "/v1", null));

        // The client is our own Http1Client: Http1ClientIT shows that it returns data as soon as it arrives.
        try (Http1Client http = new Http1Client(Duration.ofMillis(500), Duration.ofSeconds(5), Duration.ofSeconds(5), 1)) {
            UpstreamResponse response = http.send(new UpstreamRequest("POST", "127.0.0.1", front.getAddress().getPort(),
                    "/v1/chat/completions", List.of("Authorization", "Bearer good", "Content-Type", "application/json"),
                    STREAM.getBytes(StandardCharsets.UTF_8)));
            assertThat(response.status()).isEqualTo(200);
            assertThat(response.header("Content-Type")).isEqualTo("text/event-stream");
            BufferedReader lines = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));

            assertThat(lines.readLine() + "\n" + lines.readLine() + "\n").isEqualTo(token(1));
            clientGotFirst.countDown();
            StringBuilder rest = new StringBuilder();
            String line;
            while ((line = lines.readLine()) != null) {
                rest.append(line).append('\n');
            }

            assertThat(secondWaitedForClient).isTrue();
            assertThat(rest.toString()).isEqualTo(token(2) + "data: [DONE]\n\n");
        }
    }

    @Test
    void a_client_socket_closed_mid_stream_closes_the_runtime_connection_within_a_second() throws Exception {
        AtomicLong runtimeSawItAt = new AtomicLong(-1);
        runtime = new RawServer(conn -> {
            conn.readRequest();
            conn.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n");
            try {
                for (int i = 0; i < 500; i++) {
                    conn.chunk(token(i));
                    Thread.sleep(10);
                }
            } catch (IOException closedByGateway) {
                runtimeSawItAt.set(System.nanoTime());
            }
        });
        router.add("m", new Endpoint("r1", "127.0.0.1", runtime.port(), "/v1", null));
        long closedAt;

        try (Socket client = new Socket(InetAddress.getLoopbackAddress(), front.getAddress().getPort())) {
            OutputStream out = client.getOutputStream();
            byte[] body = STREAM.getBytes(StandardCharsets.UTF_8);
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer good\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(client.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = in.readLine()) != null && !line.contains("\"t3\"")) {
                // Read until a few tokens have arrived, then hang up.
            }
            assertThat(line).isNotNull();
            closedAt = System.nanoTime();
        }

        await().atMost(Duration.ofSeconds(3)).until(() -> runtimeSawItAt.get() > 0);
        assertThat(Duration.ofNanos(runtimeSawItAt.get() - closedAt)).isLessThan(Duration.ofSeconds(1));
        await().atMost(Duration.ofSeconds(2)).until(() -> !listener.records.isEmpty());
        assertThat(listener.only().status()).isEqualTo(499);
    }
}
