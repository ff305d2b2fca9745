package io.kiban.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.kiban.gateway.testing.RawServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** {@link Http1Client} against a raw-socket server on loopback that behaves, and misbehaves, byte by byte. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class Http1ClientIT {
    private final Http1Client client = new Http1Client(Duration.ofSeconds(1), Duration.ofSeconds(3), Duration.ofSeconds(20), 8);
    private RawServer server;

    @AfterEach
    void tearDown() throws IOException {
        client.close();
        if (server != null) {
            server.close();
        }
    }

    private UpstreamResponse post(String body) throws UpstreamException {
        return client.send(new UpstreamRequest("POST", "127.0.0.1", server.port(), "/v1/chat/completions",
                List.of("Content-Type", "application/json"), body.getBytes(StandardCharsets.UTF_8)));
    }

    private static String text(UpstreamResponse r) throws IOException {
        try (r) {
            return new String(r.body().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /** The exception a call must fail with. */
    private static UpstreamException failure(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        Throwable t = catchThrowable(call);
        assertThat(t).isInstanceOf(UpstreamException.class);
        return (UpstreamException) t;
    }

    /** Serves every request on a connection with the same response until the client closes it. */
    private static RawServer.Script keepAlive(String response) {
        return conn -> {
            while (conn.readRequest() != null) {
                conn.write(response);
            }
        };
    }

    @Test
    void sends_method_path_host_headers_and_body() throws Exception {
        server = new RawServer(keepAlive("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));

        assertThat(text(post("{\"model\":\"m\"}"))).isEqualTo("ok");

        RawServer.Request r = server.received().getFirst();
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.path()).isEqualTo("/v1/chat/completions");
        assertThat(r.header("host")).isEqualTo("127.0.0.1:" + server.port());
        assertThat(r.header("content-type")).isEqualTo("application/json");
        assertThat(r.header("content-length")).isEqualTo("13");
        assertThat(r.bodyText()).isEqualTo("{\"model\":\"m\"}");
    }

    @Test
    void reads_a_content_length_body() throws Exception {
        server = new RawServer(keepAlive("HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{\"a\":\"bc\"}\n"));

        UpstreamResponse r = post("{}");

        assertThat(r.status()).isEqualTo(201);
        assertThat(r.contentLength()).isEqualTo(11);
        assertThat(r.header("Content-Type")).isEqualTo("application/json");
        assertThat(text(r)).isEqualTo("{\"a\":\"bc\"}\n");
    }

    @Test
    void reads_a_chunked_body_with_chunk_extensions_and_trailers_and_keeps_the_connection() throws Exception {
        server = new RawServer(keepAlive("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5;name=value\r\nhello\r\n"
                + "1 ; another\r\n,\r\n"
                + "A\r\n world!!!!\r\n"
                + "0\r\nX-Trailer: yes\r\nX-Other: 2\r\n\r\n"));

        UpstreamResponse first = post("{}");
        assertThat(first.contentLength()).isEqualTo(-1);
        assertThat(text(first)).isEqualTo("hello, world!!!!");
        assertThat(text(post("{}"))).isEqualTo("hello, world!!!!");

        assertThat(server.accepted()).isEqualTo(1);
    }

    @Test
    void parses_a_response_whose_line_endings_and_chunks_are_split_across_reads() throws Exception {
        // Each piece is its own TCP segment (TCP_NODELAY, and a pause so the client reads it alone).
        String[] pieces = {"HTTP/1.1 200 OK\r", "\nTransfer-Encoding: chunked\r", "\n\r", "\n5\r", "\nhel", "lo\r",
                "\n", "3", "\r\n", "abc", "\r", "\n0\r", "\n\r", "\n"};
        server = new RawServer(conn -> {
            while (conn.readRequest() != null) {
                for (String p : pieces) {
                    conn.write(p);
                    Thread.sleep(3);
                }
            }
        });

        assertThat(text(post("{}"))).isEqualTo("helloabc");
        assertThat(text(post("{}"))).isEqualTo("helloabc");
        assertThat(server.accepted()).isEqualTo(1);
    }

    @Test
    void reads_a_close_delimited_body_and_does_not_pool_its_connection() throws Exception {
        server = new RawServer(conn -> {
            conn.readRequest();
            conn.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil ");
            Thread.sleep(20);
            conn.write("the end");
        });

        UpstreamResponse r = post("{}");
        assertThat(r.contentLength()).isEqualTo(-1);
        assertThat(text(r)).isEqualTo("until the end");
        assertThat(text(post("{}"))).isEqualTo("until the end");

        assertThat(server.accepted()).isEqualTo(2);
    }

    @Test
    void sequential_requests_reuse_one_connection() throws Exception {
        server = new RawServer(keepAlive("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"));

        for (int i = 0; i < 20; i++) {
            assertThat(text(post("{\"i\":" + i + "}"))).isEqualTo("abc");
        }

        assertThat(server.accepted()).isEqualTo(1);
        assertThat(server.requests()).isEqualTo(20);
    }

    @Test
    void a_body_closed_before_its_end_closes_the_connection_instead_of_pooling_it() throws Exception {
        server = new RawServer(keepAlive("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789"));

        UpstreamResponse first = post("{}");
        assertThat(first.body().readNBytes(4)).asString(StandardCharsets.US_ASCII).isEqualTo("0123");
        first.close();
        assertThat(text(post("{}"))).isEqualTo("0123456789");

        assertThat(server.accepted()).isEqualTo(2);
        assertThat(server.connections().getFirst().awaitEnd(2, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void a_chunked_body_closed_before_its_last_chunk_closes_the_connection() throws Exception {
        server = new RawServer(conn -> {
            while (conn.readRequest() != null) {
                conn.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
                conn.chunk("data: 1\n\n");
                Thread.sleep(50);
                conn.chunk("data: 2\n\n");
                conn.write("0\r\n\r\n");
            }
        });

        UpstreamResponse first = post("{}");
        byte[] buf = new byte[100];
        assertThat(first.body().read(buf)).isPositive();
        first.close();
        assertThat(server.connections().getFirst().awaitEnd(2, TimeUnit.SECONDS)).isTrue();
        assertThat(text(post("{}"))).isEqualTo("data: 1\n\ndata: 2\n\n");

        assertThat(server.accepted()).isEqualTo(2);
    }

    @Test
    void a_pooled_connection_the_server_closed_while_idle_is_replaced_transparently() throws Exception {
        server = new RawServer(conn -> {
            conn.readRequest();
            conn.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"); // says nothing about closing, then closes
        });

        assertThat(text(post("{}"))).isEqualTo("ok");
        assertThat(server.connections().getFirst().awaitEnd(2, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(20); // let the FIN reach the client's socket

        assertThat(text(post("{}"))).isEqualTo("ok");
        assertThat(server.accepted()).isEqualTo(2);
        assertThat(server.requests()).isEqualTo(2);
    }

    @Test
    void a_pooled_connection_the_server_reset_while_idle_is_replaced_transparently() throws Exception {
        CountDownLatch firstRead = new CountDownLatch(1);
        server = new RawServer(conn -> {
            conn.readRequest();
            conn.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            if (firstRead.await(2, TimeUnit.SECONDS)) {
                conn.reset();
            }
        });

        assertThat(text(post("{}"))).isEqualTo("ok");
        firstRead.countDown();
        assertThat(server.connections().getFirst().awaitEnd(2, TimeUnit.SECONDS)).isTrue();
        Thread.sleep(20);

        assertThat(text(post("{}"))).isEqualTo("ok");
        assertThat(server.accepted()).isEqualTo(2);
    }

    @Test
    void a_request_is_never_sent_again_once_response_bytes_arrived() throws Exception {
        server = new RawServer(conn -> {
            conn.readRequest();
            conn.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            conn.readRequest();
            conn.write("HTTP/1.1 200 OK\r\nContent-Le"); // then dies
        });
        assertThat(text(post("{}"))).isEqualTo("ok");

        UpstreamException e = failure(() -> post("{}"));

        assertThat(e.beforeResponse()).isFalse();
        assertThat(e.timeout()).isFalse();
        assertThat(server.requests()).isEqualTo(2);
        assertThat(server.accepted()).isEqualTo(1);
    }

    @Test
    void a_fresh_connection_closed_before_any_response_byte_fails_before_the_response_without_a_resend() throws Exception {
        server = new RawServer(conn -> conn.readRequest());

        UpstreamException e = failure(() -> post("{}"));

        assertThat(e.beforeResponse()).isTrue();
        assertThat(e.timeout()).isFalse();
        assertThat(server.requests()).isEqualTo(1);
    }

    @Test
    void a_connection_dropped_in_the_middle_of_a_chunk_fails_the_body_read() throws Exception {
        server = new RawServer(conn -> {
            conn.readRequest();
            conn.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nonly half");
        });

        UpstreamResponse r = post("{}");

        assertThat(r.status()).isEqualTo(200);
        assertThatThrownBy(() -> r.body().readAllBytes()).isInstanceOf(IOException.class);
    }

    @Test
    void a_content_length_body_cut_short_fails_the_body_read() throws Exception {
        server = new RawServer(conn -> {
            conn.readRequest();
            conn.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly some");
        });

        UpstreamResponse r = post("{}");

        assertThatThrownBy(() -> r.body().readAllBytes()).isInstanceOf(IOException.class);
    }

    @Test
    void connection_refused_fails_before_the_response_and_is_not_a_timeout() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }

        UpstreamException e = failure(() -> client.send(
                new UpstreamRequest("POST", "127.0.0.1", port, "/v1/completions", List.of(), new byte[] {'{', '}'})));

        assertThat(e.beforeResponse()).isTrue();
        assertThat(e.timeout()).isFalse();
        assertThat(e.getMessage()).contains("127.0.0.1:" + port);
    }

    @Test
    void a_server_that_never_answers_times_out_and_is_not_retryable() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        server = new RawServer(conn -> {
            conn.readRequest();
            release.await(5, TimeUnit.SECONDS);
        });
        try (Http1Client impatient = new Http1Client(Duration.ofSeconds(1), Duration.ofMillis(300), Duration.ofSeconds(20), 8)) {
            long t0 = System.nanoTime();
            UpstreamException e = failure(() -> impatient.send(
                    new UpstreamRequest("POST", "127.0.0.1", server.port(), "/", List.of(), new byte[] {'{', '}'})));
            long millis = (System.nanoTime() - t0) / 1_000_000;

            assertThat(e.timeout()).isTrue();
            // The runtime has the request and may be working on it: sending it elsewhere would double the load.
            assertThat(e.beforeResponse()).isFalse();
            assertThat(millis).isBetween(250L, 2000L);
        } finally {
            release.countDown();
        }
    }

    @Test
    void an_abort_from_another_thread_ends_a_call_waiting_for_its_answer() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        server = new RawServer(conn -> {
            conn.readRequest();
            release.await(5, TimeUnit.SECONDS);
        });
        Abort abort = new Abort();
        try {
            Thread.ofVirtual().start(() -> {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException ignored) {
                    // ends the test early
                }
                abort.abort();
            });
            long t0 = System.nanoTime();
            UpstreamException e = failure(() -> client.send(new UpstreamRequest("POST", "127.0.0.1", server.port(), "/",
                    List.of(), new byte[] {'{', '}'}, 0, abort)));
            long millis = (System.nanoTime() - t0) / 1_000_000;

            assertThat(abort.aborted()).isTrue();
            assertThat(e.timeout()).isFalse();
            assertThat(millis).isLessThan(2000L); // the client's own read timeout is 3 s
        } finally {
            release.countDown();
        }
    }

    @Test
    void an_abort_after_the_answer_leaves_the_pooled_connection_to_the_next_call() throws Exception {
        server = new RawServer(keepAlive("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"));
        Abort abort = new Abort();
        UpstreamResponse first = client.send(new UpstreamRequest("POST", "127.0.0.1", server.port(), "/", List.of(),
                new byte[] {'{', '}'}, 0, abort));
        assertThat(text(first)).isEqualTo("abc"); // read whole: the connection is back in the pool

        abort.abort();

        assertThat(text(post("{}"))).isEqualTo("abc");
        assertThat(server.accepted()).isEqualTo(1); // the same connection, untouched by the late abort
    }

    @Test
    void a_call_aborted_before_it_starts_fails_without_waiting() throws Exception {
        server = new RawServer(keepAlive("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"));
        Abort abort = new Abort();
        abort.abort();
        failure(() -> client.send(new UpstreamRequest("POST", "127.0.0.1", server.port(), "/", List.of(),
                new byte[] {'{', '}'}, 0, abort)));
    }

    @Test
    void a_read_timeout_on_a_pooled_connection_is_not_resent_on_a_fresh_one() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        server = new RawServer(conn -> {
            conn.readRequest();
            conn.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
            conn.readRequest();
            release.await(5, TimeUnit.SECONDS); // the runtime is busy with the second request
        });
        try (Http1Client impatient = new Http1Client(Duration.ofSeconds(1), Duration.ofMillis(300), Duration.ofSeconds(20), 8)) {
            UpstreamRequest request = new UpstreamRequest("POST", "127.0.0.1", server.port(), "/", List.of(), new byte[] {'{', '}'});
            assertThat(text(impatient.send(request))).isEqualTo("ok");

            UpstreamException e = failure(() -> impatient.send(request));

            assertThat(e.timeout()).isTrue();
            assertThat(server.requests()).isEqualTo(2);
            assertThat(server.accepted()).isEqualTo(1);
        } finally {
            release.countDown();
        }
    }

    @Test
    void a_stall_between_body_chunks_times_out_the_body_read() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        server = new RawServer(conn -> {
            conn.readRequest();
            conn.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            conn.chunk("data: 1\n\n");
            release.await(5, TimeUnit.SECONDS);
        });
        try (Http1Client impatient = new Http1Client(Duration.ofSeconds(1), Duration.ofMillis(300), Duration.ofSeconds(20), 8)) {
            UpstreamResponse r = impatient.send(new UpstreamRequest("POST", "127.0.0.1", server.port(), "/", List.of(), new byte[] {'{', '}'}));
            byte[] buf = new byte[64];

            assertThat(r.body().read(buf)).isEqualTo(9);
            assertThatThrownBy(() -> r.body().read(buf)).isInstanceOf(java.net.SocketTimeoutException.class);
            r.close();
        } finally {
            release.countDown();
        }
    }

    @Test
    void streamed_chunked_bodies_return_each_chunk_before_the_next_one_is_sent() throws Exception {
        assertStreamsPromptly("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n", true);
    }

    @Test
    void streamed_close_delimited_bodies_return_data_before_the_rest_is_sent() throws Exception {
        assertStreamsPromptly("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n", false);
    }

    private void assertStreamsPromptly(String head, boolean chunked) throws Exception {
        String first = "data: {\"n\":1}\n\n";
        String second = "data: {\"n\":2}\n\n";
        CountDownLatch firstReadReturned = new CountDownLatch(1);
        AtomicBoolean sentSecondOnlyAfterFirstRead = new AtomicBoolean();
        server = new RawServer(conn -> {
            conn.readRequest();
            conn.write(head);
            if (chunked) {
                conn.chunk(first);
            } else {
                conn.write(first);
            }
            // Waits for the client's read to return; a client that buffers would keep it waiting until the timeout.
            sentSecondOnlyAfterFirstRead.set(firstReadReturned.await(2, TimeUnit.SECONDS));
            if (chunked) {
                conn.chunk(second);
                conn.write("0\r\n\r\n");
            } else {
                conn.write(second);
            }
        });

        UpstreamResponse r = post("{}");
        InputStream body = r.body();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        while (got.size() < first.length()) {
            int n = body.read(buf);
            assertThat(n).isPositive();
            got.write(buf, 0, n);
        }
        firstReadReturned.countDown();
        got.write(body.readAllBytes());
        r.close();

        assertThat(sentSecondOnlyAfterFirstRead).isTrue();
        assertThat(got.toString(StandardCharsets.UTF_8)).isEqualTo(first + second);
    }

    @Test
    void large_content_length_and_chunked_bodies_arrive_intact() throws Exception {
        byte[] big = new byte[6 * 1024 * 1024 + 17];
        new Random(42).nextBytes(big);
        server = new RawServer(conn -> {
            conn.readRequest();
            conn.write("HTTP/1.1 200 OK\r\nContent-Length: " + big.length + "\r\n\r\n");
            conn.write(big);
            conn.readRequest();
            conn.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n");
            for (int off = 0; off < big.length; off += 100_000) {
                int n = Math.min(100_000, big.length - off);
                conn.out.write((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                conn.out.write(big, off, n);
                conn.out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            conn.write("0\r\n\r\n");
        });

        byte[] viaLength;
        try (UpstreamResponse r = post("{}")) {
            viaLength = r.readAll(Integer.MAX_VALUE - 8);
        }
        byte[] viaChunks;
        try (UpstreamResponse r = post("{}")) {
            viaChunks = r.body().readAllBytes();
        }

        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        byte[] expected = sha.digest(big);
        assertThat(sha.digest(viaLength)).isEqualTo(expected);
        assertThat(sha.digest(viaChunks)).isEqualTo(expected);
        assertThat(server.accepted()).isEqualTo(1);
    }

    @Test
    void head_204_and_304_responses_have_no_body_even_with_a_content_length() throws Exception {
        server = new RawServer(conn -> {
            RawServer.Request r;
            while ((r = conn.readRequest()) != null) {
                switch (r.path()) {
                    case "/head" -> conn.write("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n");
                    case "/204" -> conn.write("HTTP/1.1 204 No Content\r\n\r\n");
                    case "/304" -> conn.write("HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n");
                    default -> conn.write("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext");
                }
            }
        });

        for (String[] call : new String[][] {{"HEAD", "/head"}, {"POST", "/204"}, {"GET", "/304"}}) {
            UpstreamResponse r = client.send(new UpstreamRequest(call[0], "127.0.0.1", server.port(), call[1], List.of(),
                    call[0].equals("POST") ? new byte[] {'{', '}'} : null));
            assertThat(text(r)).as(call[1]).isEmpty();
        }
        assertThat(text(post("{}"))).isEqualTo("next");

        assertThat(server.accepted()).isEqualTo(1);
    }

    @Test
    void header_names_and_framing_values_are_case_insensitive() throws Exception {
        server = new RawServer(keepAlive("HTTP/1.1 200 OK\r\nX-Mixed-Case:  value with spaces \r\n"
                + "TRANSFER-ENCODING: Chunked\r\nCONNECTION: Keep-Alive\r\n\r\n3\r\nabc\r\n0\r\n\r\n"));

        UpstreamResponse r = post("{}");

        assertThat(r.header("x-mixed-case")).isEqualTo("value with spaces");
        assertThat(r.header("X-MIXED-CASE")).isEqualTo("value with spaces");
        assertThat(r.header("absent")).isNull();
        assertThat(text(r)).isEqualTo("abc");
        assertThat(text(post("{}"))).isEqualTo("abc");
        assertThat(server.accepted()).isEqualTo(1);
    }

    @Test
    void connection_close_and_http_1_0_responses_are_not_pooled() throws Exception {
        server = new RawServer(conn -> {
            RawServer.Request r = conn.readRequest();
            if (r.path().equals("/close")) {
                conn.write("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\na");
            } else {
                conn.write("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nb");
            }
            conn.readRequest(); // would answer nothing: a reused connection would hang until the read timeout
        });
        UpstreamRequest close = new UpstreamRequest("POST", "127.0.0.1", server.port(), "/close", List.of(), new byte[] {'{', '}'});
        UpstreamRequest old = new UpstreamRequest("POST", "127.0.0.1", server.port(), "/old", List.of(), new byte[] {'{', '}'});

        assertThat(text(client.send(close))).isEqualTo("a");
        assertThat(text(client.send(old))).isEqualTo("b");
        assertThat(text(client.send(close))).isEqualTo("a");

        assertThat(server.accepted()).isEqualTo(3);
    }

    @Test
    void a_header_line_longer_than_64_kib_is_rejected() throws Exception {
        server = new RawServer(conn -> {
            conn.readRequest();
            conn.write("HTTP/1.1 200 OK\r\nX-Huge: " + "a".repeat(100_000) + "\r\nContent-Length: 0\r\n\r\n");
        });

        UpstreamException e = failure(() -> post("{}"));

        assertThat(e.beforeResponse()).isFalse();
        assertThat(e.getMessage()).contains("64 KiB");
    }

    @Test
    void garbage_instead_of_a_status_line_is_an_upstream_exception() throws Exception {
        for (String garbage : List.of("<html>oops</html>\r\n\r\n", "HTTP/1.1 2x0 OK\r\n\r\n", "HTTP/1.1\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Length: lots\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n",
                "HTTP/1.1 2\r0 OK\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 1\u001b[2J\r\n\r\n")) {
            try (RawServer s = new RawServer(conn -> {
                conn.readRequest();
                conn.write(garbage);
            })) {
                Throwable t = catchThrowable(() -> client.send(
                        new UpstreamRequest("POST", "127.0.0.1", s.port(), "/", List.of(), new byte[] {'{', '}'})));

                assertThat(t).as(garbage).isInstanceOf(UpstreamException.class);
                assertThat(((UpstreamException) t).beforeResponse()).as(garbage).isFalse();
                assertThat(t.getMessage()).as("logged as is").doesNotContainPattern("\\p{Cntrl}");
            }
        }
    }

    @Test
    void a_malformed_chunk_size_fails_the_body_read_with_an_io_exception() throws Exception {
        for (String size : List.of("zz", "-5", "ffffffffffffffffffff", "")) {
            try (RawServer s = new RawServer(conn -> {
                conn.readRequest();
                conn.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + size + "\r\nabcde\r\n0\r\n\r\n");
            })) {
                UpstreamResponse r = client.send(new UpstreamRequest("POST", "127.0.0.1", s.port(), "/", List.of(), new byte[] {'{', '}'}));

                assertThatThrownBy(() -> r.body().readAllBytes()).as(size).isInstanceOf(IOException.class);
                r.close();
            }
        }
    }

    @Test
    void chunk_data_not_followed_by_crlf_is_a_framing_error_not_a_new_chunk() throws Exception {
        server = new RawServer(conn -> {
            conn.readRequest();
            conn.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello3\r\nabc\r\n0\r\n\r\n");
            conn.readRequest();
        });

        UpstreamResponse r = post("{}");

        assertThatThrownBy(() -> r.body().readAllBytes()).isInstanceOf(IOException.class);
        r.close();
    }

    @Test
    void a_header_value_with_a_bare_carriage_return_is_rejected() throws Exception {
        server = new RawServer(conn -> {
            conn.readRequest();
            conn.write("HTTP/1.1 429 Too Many\r\nRetry-After: 1\rSet-Cookie: session=evil\r\nContent-Length: 0\r\n\r\n");
        });

        assertThatThrownBy(() -> post("{}")).isInstanceOf(UpstreamException.class);
    }

    @Test
    void a_closed_client_refuses_to_pool_and_evict_drops_idle_connections() throws Exception {
        server = new RawServer(keepAlive("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"));
        assertThat(text(post("{}"))).isEqualTo("x");

        client.evict("127.0.0.1", server.port());
        assertThat(server.connections().getFirst().awaitEnd(2, TimeUnit.SECONDS)).isTrue();
        assertThat(text(post("{}"))).isEqualTo("x");

        assertThat(server.accepted()).isEqualTo(2);
    }

    @Test
    void an_interim_1xx_response_is_skipped_and_the_final_one_returned() throws Exception {
        server = new RawServer(keepAlive("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfinal"));

        UpstreamResponse r = post("{}");

        assertThat(r.status()).isEqualTo(200);
        assertThat(text(r)).isEqualTo("final");
        assertThat(text(post("{}"))).isEqualTo("final");
        assertThat(server.accepted()).isEqualTo(1);
    }

    @Test
    void a_connection_idle_longer_than_the_idle_timeout_is_not_reused() throws Exception {
        server = new RawServer(keepAlive("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"));
        try (Http1Client brief = new Http1Client(Duration.ofSeconds(1), Duration.ofSeconds(3), Duration.ofMillis(50), 8)) {
            UpstreamRequest request = new UpstreamRequest("POST", "127.0.0.1", server.port(), "/", List.of(), new byte[] {'{', '}'});
            assertThat(text(brief.send(request))).isEqualTo("x");
            assertThat(text(brief.send(request))).isEqualTo("x");
            Thread.sleep(120);
            assertThat(text(brief.send(request))).isEqualTo("x");

            assertThat(server.accepted()).isEqualTo(2);
            assertThat(server.connections().getFirst().awaitEnd(2, TimeUnit.SECONDS)).isTrue();
        }
    }

    @Test
    void at_most_max_idle_connections_per_host_are_kept() throws Exception {
        server = new RawServer(keepAlive("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"));
        try (Http1Client small = new Http1Client(Duration.ofSeconds(1), Duration.ofSeconds(3), Duration.ofSeconds(20), 1)) {
            UpstreamRequest request = new UpstreamRequest("POST", "127.0.0.1", server.port(), "/", List.of(), new byte[] {'{', '}'});
            UpstreamResponse a = small.send(request);
            UpstreamResponse b = small.send(request); // a's connection is busy: a second one
            assertThat(text(a)).isEqualTo("x");
            assertThat(text(b)).isEqualTo("x"); // the pool is full: a's connection is closed
            assertThat(server.accepted()).isEqualTo(2);

            assertThat(server.connections().getFirst().awaitEnd(2, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < 5; i++) {
                assertThat(text(small.send(request))).isEqualTo("x");
            }
            assertThat(server.accepted()).isEqualTo(2);
        }
    }

    @Test
    void a_response_finished_after_close_is_not_pooled() throws Exception {
        server = new RawServer(keepAlive("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"));
        UpstreamResponse r = post("{}");

        client.close();
        assertThat(text(r)).isEqualTo("x");

        assertThat(server.connections().getFirst().awaitEnd(2, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void concurrent_requests_share_the_pool_without_mixing_up_responses() throws Exception {
        server = new RawServer(conn -> {
            RawServer.Request r;
            while ((r = conn.readRequest()) != null) { // echoes the body
                conn.write("HTTP/1.1 200 OK\r\nContent-Length: " + r.body().length + "\r\n\r\n" + r.bodyText());
            }
        });
        try (Http1Client shared = new Http1Client(Duration.ofSeconds(1), Duration.ofSeconds(3), Duration.ofSeconds(20), 64);
                var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            List<java.util.concurrent.Future<Integer>> results = new java.util.ArrayList<>();
            for (int t = 0; t < 16; t++) {
                int thread = t;
                results.add(threads.submit(() -> {
                    int ok = 0;
                    for (int i = 0; i < 50; i++) {
                        String body = "{\"thread\":" + thread + ",\"i\":" + i + "}";
                        UpstreamRequest request = new UpstreamRequest("POST", "127.0.0.1", server.port(), "/", List.of(),
                                body.getBytes(StandardCharsets.UTF_8));
                        if (text(shared.send(request)).equals(body)) {
                            ok++;
                        }
                    }
                    return ok;
                }));
            }
            for (var r : results) {
                assertThat(r.get(8, TimeUnit.SECONDS)).isEqualTo(50);
            }
        }

        assertThat(server.requests()).isEqualTo(800);
        assertThat(server.accepted()).isLessThanOrEqualTo(16);
    }
}
