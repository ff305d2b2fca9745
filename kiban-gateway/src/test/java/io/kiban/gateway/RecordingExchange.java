package io.kiban.gateway;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An {@link Exchange} in memory that records the status, headers and body the gateway produced. Like a servlet
 * response, it ignores status and header changes once the response is committed (first write or flush), and records
 * them as {@link #lateCalls()} so a test can assert there were none. Its output can be made to fail after a number of
 * bytes, as when the client goes away.
 */
final class RecordingExchange implements Exchange {
    private final String method;
    private final String path;
    private final String query;
    private final Map<String, String> requestHeaders = new LinkedHashMap<>();
    private final byte[] body;
    private long contentLength;
    private String clientIp = "192.0.2.7";
    private final AtomicInteger bodyReads = new AtomicInteger();

    private int status = -1;
    private final Map<String, String> responseHeaders = new LinkedHashMap<>();
    private final ByteArrayOutputStream written = new ByteArrayOutputStream();
    private final List<String> lateCalls = new ArrayList<>();
    private volatile boolean committed;
    private long failAfter = -1;
    private volatile long failedAtNanos = -1;

    RecordingExchange(String method, String path, String query, String body) {
        this.method = method;
        this.path = path;
        this.query = query;
        this.body = body.getBytes(StandardCharsets.UTF_8);
        this.contentLength = this.body.length;
    }

    static RecordingExchange post(String path, String body) {
        return new RecordingExchange("POST", path, null, body).withHeader("Authorization", "Bearer good");
    }

    static RecordingExchange chat(String body) {
        return post("/v1/chat/completions", body);
    }

    RecordingExchange withHeader(String name, String value) {
        requestHeaders.put(name.toLowerCase(Locale.ROOT), value);
        return this;
    }

    RecordingExchange withoutHeader(String name) {
        requestHeaders.remove(name.toLowerCase(Locale.ROOT));
        return this;
    }

    /** Declares this length instead of the real one (-1: unknown, as with chunked requests). */
    RecordingExchange declaring(long length) {
        this.contentLength = length;
        return this;
    }

    /** Makes writes fail once this many bytes have been written, as when the client disconnects. */
    RecordingExchange failingAfter(long bytes) {
        this.failAfter = bytes;
        return this;
    }

    // ---- the request ----

    @Override
    public String method() {
        return method;
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public String query() {
        return query;
    }

    @Override
    public String header(String name) {
        return requestHeaders.get(name.toLowerCase(Locale.ROOT));
    }

    @Override
    public String clientIp() {
        return clientIp;
    }

    @Override
    public long contentLength() {
        return contentLength;
    }

    @Override
    public InputStream body() {
        return new ByteArrayInputStream(body) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                bodyReads.incrementAndGet();
                return super.read(b, off, len);
            }
        };
    }

    int bodyReads() {
        return bodyReads.get();
    }

    // ---- the response ----

    @Override
    public void status(int status) {
        if (committed) {
            lateCalls.add("status " + status);
            return;
        }
        this.status = status;
    }

    @Override
    public void header(String name, String value) {
        if (committed) {
            lateCalls.add(name + ": " + value);
            return;
        }
        responseHeaders.put(name.toLowerCase(Locale.ROOT), value);
    }

    @Override
    public OutputStream output() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                synchronized (written) {
                    committed = true;
                    if (failAfter >= 0 && written.size() + len > failAfter) {
                        int room = (int) Math.max(0, failAfter - written.size());
                        written.write(b, off, room);
                        if (failedAtNanos < 0) {
                            failedAtNanos = System.nanoTime();
                        }
                        throw new IOException("Broken pipe");
                    }
                    written.write(b, off, len);
                }
            }

            @Override
            public void flush() throws IOException {
                committed = true;
                if (failedAtNanos >= 0) {
                    throw new IOException("Broken pipe");
                }
            }
        };
    }

    int status() {
        return status;
    }

    String responseHeader(String name) {
        return responseHeaders.get(name.toLowerCase(Locale.ROOT));
    }

    Map<String, String> responseHeaders() {
        return Map.copyOf(responseHeaders);
    }

    byte[] bytes() {
        synchronized (written) {
            return written.toByteArray();
        }
    }

    String text() {
        return new String(bytes(), StandardCharsets.UTF_8);
    }

    /** Status or header changes attempted after the response was committed. */
    List<String> lateCalls() {
        return List.copyOf(lateCalls);
    }

    /** When a write first failed, on {@link System#nanoTime()}'s clock, or -1. */
    long failedAtNanos() {
        return failedAtNanos;
    }
}
