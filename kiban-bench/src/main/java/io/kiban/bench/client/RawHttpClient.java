package io.kiban.bench.client;

import io.kiban.bench.http.ByteSink;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedDeque;
import javax.net.ssl.SSLSocketFactory;

/**
 * The benchmark's own HTTP/1.1 client: blocking sockets on the caller's (virtual) thread, a pool of keep-alive
 * connections (one per request in flight), TCP_NODELAY, the request head and body in one write, and the response
 * parsed in place (Content-Length, chunked, or until close). Timestamps are taken right after the {@code read} that
 * delivered the bytes, with no executor hand-off in between (decision 0102).
 *
 * <p>A pooled connection that the server closed while idle fails on first use without a byte of response; that
 * request is retried once on a fresh connection, which is not a server error.
 */
public final class RawHttpClient implements LlmClient {
    private final Target target;
    private final int timeoutMillis;
    private final String fixedHeaders;
    private final ConcurrentLinkedDeque<Conn> idle = new ConcurrentLinkedDeque<>();
    private volatile boolean closed;

    public RawHttpClient(Target target, Duration timeout) {
        this.target = target;
        this.timeoutMillis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        StringBuilder h = new StringBuilder();
        h.append("host: ").append(target.authority()).append("\r\n");
        h.append("content-type: application/json\r\naccept: */*\r\n");
        if (target.apiKey() != null) {
            h.append("authorization: Bearer ").append(target.apiKey()).append("\r\n");
        }
        for (String[] kv : target.headers()) {
            h.append(kv[0]).append(": ").append(kv[1]).append("\r\n");
        }
        this.fixedHeaders = h.toString();
    }

    @Override
    public CallResult call(String endpointPath, byte[] body, boolean stream, boolean parseUsage) {
        byte[] head = ("POST " + target.pathPrefix() + endpointPath + " HTTP/1.1\r\n" + fixedHeaders
                + "content-length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        for (int attempt = 0; ; attempt++) {
            Conn c = attempt == 0 ? pooled() : null; // a retry always gets a fresh connection
            boolean reused = c != null;
            long send = System.nanoTime();
            try {
                if (c == null) {
                    c = connect();
                }
                ResponseMeter meter = new ResponseMeter(stream, parseUsage);
                Outcome o = c.exchange(head, body, meter);
                if (o.reusable && !closed) {
                    c.idleSince = System.nanoTime();
                    idle.offerFirst(c);
                    Conn oldest = idle.peekLast(); // sweep one stale connection per use, so none linger
                    if (oldest != null && c.idleSince - oldest.idleSince >= MAX_IDLE_NANOS
                            && idle.removeLastOccurrence(oldest)) {
                        oldest.close();
                    }
                } else {
                    c.close();
                }
                return meter.finish(o.status, send, o.firstByte, o.end, o.failure);
            } catch (StaleConnection e) {
                c.close();
                if (!reused || attempt > 0) {
                    return CallResult.failed("io", 0, send, 0, System.nanoTime());
                }
            } catch (SocketTimeoutException e) {
                closeQuietly(c);
                return CallResult.failed("timeout", 0, send, 0, System.nanoTime());
            } catch (IOException e) {
                closeQuietly(c);
                return CallResult.failed("io", 0, send, 0, System.nanoTime());
            }
        }
    }

    /**
     * An idle connection, most recently used first; connections idle for longer than {@link #MAX_IDLE_NANOS} are
     * closed instead, since servers close them after a few seconds (Node's default keep-alive timeout is 5 s) and
     * every stale one would cost a failed attempt.
     */
    private Conn pooled() {
        Conn c;
        while ((c = idle.pollFirst()) != null) {
            if (System.nanoTime() - c.idleSince < MAX_IDLE_NANOS) {
                return c;
            }
            c.close();
        }
        return null;
    }

    static final long MAX_IDLE_NANOS = 4_000_000_000L;

    private static void closeQuietly(Conn c) {
        if (c != null) {
            c.close();
        }
    }

    private Conn connect() throws IOException {
        Socket s = target.tls() ? SSLSocketFactory.getDefault().createSocket() : new Socket();
        s.setTcpNoDelay(true);
        s.connect(new InetSocketAddress(target.host(), target.port()), Math.min(timeoutMillis, 30_000));
        s.setSoTimeout(timeoutMillis);
        return new Conn(s);
    }

    /** Connections currently idle in the pool. */
    public int idleConnections() {
        return idle.size();
    }

    @Override
    public void close() {
        closed = true;
        Conn c;
        while ((c = idle.pollFirst()) != null) {
            c.close();
        }
    }

    private record Outcome(int status, long firstByte, long end, String failure, boolean reusable) {}

    /**
     * Thrown when a connection fails before any response byte: on a reused connection this is the server having
     * closed it while idle (keep-alive timeout), and the request is retried once on a new connection.
     */
    private static final class StaleConnection extends IOException {
        StaleConnection() {
            super("stale keep-alive connection", null);
        }
    }

    /** One connection; used by one request at a time. */
    private static final class Conn {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        private final byte[] buf = new byte[16 * 1024];
        private int pos;
        private int lim;
        private final ByteSink lineBuf = new ByteSink(256);
        long idleSince;

        Conn(Socket socket) throws IOException {
            this.socket = socket;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }

        Outcome exchange(byte[] head, byte[] body, ResponseMeter meter) throws IOException {
            pos = 0;
            lim = 0;
            int n;
            try {
                if (head.length + body.length <= 64 * 1024) {
                    byte[] all = new byte[head.length + body.length];
                    System.arraycopy(head, 0, all, 0, head.length);
                    System.arraycopy(body, 0, all, head.length, body.length);
                    out.write(all);
                } else {
                    out.write(head);
                    out.write(body);
                }
                n = in.read(buf, 0, buf.length);
            } catch (SocketTimeoutException e) {
                throw e;
            } catch (IOException e) {
                throw new StaleConnection(); // reset or broken pipe before any response byte
            }
            if (n < 0) {
                throw new StaleConnection();
            }
            lim = n;
            long firstByte = System.nanoTime();
            // status line and headers; 1xx responses (100 Continue) are skipped
            int status;
            long contentLength;
            boolean chunked;
            boolean keepAlive;
            do {
                String statusLine = readLine();
                if (statusLine == null || !statusLine.startsWith("HTTP/1.")) {
                    throw new IOException("not an HTTP response");
                }
                status = Integer.parseInt(statusLine.substring(9, 12));
                keepAlive = !statusLine.startsWith("HTTP/1.0");
                contentLength = -1;
                chunked = false;
                String line;
                while (!(line = readLine()).isEmpty()) {
                    int c = line.indexOf(':');
                    if (c <= 0) {
                        continue;
                    }
                    String name = line.substring(0, c).trim();
                    String value = line.substring(c + 1).trim();
                    if (name.equalsIgnoreCase("content-length")) {
                        contentLength = Long.parseLong(value);
                    } else if (name.equalsIgnoreCase("transfer-encoding")) {
                        chunked = value.toLowerCase().contains("chunked");
                    } else if (name.equalsIgnoreCase("connection")) {
                        keepAlive = value.equalsIgnoreCase("keep-alive") || (keepAlive && !value.equalsIgnoreCase("close"));
                    }
                }
            } while (status >= 100 && status < 200);
            try {
                if (chunked) {
                    readChunked(meter);
                } else if (contentLength >= 0) {
                    readFixed(contentLength, meter);
                } else {
                    readToEof(meter);
                    keepAlive = false;
                }
            } catch (SocketTimeoutException e) {
                return new Outcome(status, firstByte, System.nanoTime(), "timeout", false);
            } catch (IOException e) {
                return new Outcome(status, firstByte, System.nanoTime(), "incomplete", false);
            }
            return new Outcome(status, firstByte, System.nanoTime(), null, keepAlive && pos == lim);
        }

        private boolean fill() throws IOException {
            if (pos < lim) {
                return true;
            }
            int n = in.read(buf, 0, buf.length);
            if (n < 0) {
                return false;
            }
            pos = 0;
            lim = n;
            return true;
        }

        /** A CRLF- or LF-terminated line of the head, or null at end of stream. */
        private String readLine() throws IOException {
            lineBuf.reset();
            while (true) {
                if (!fill()) {
                    if (lineBuf.length() == 0) {
                        return null;
                    }
                    throw new IOException("unexpected end of stream");
                }
                byte b = buf[pos++];
                if (b == '\n') {
                    int len = lineBuf.length();
                    if (len > 0 && lineBuf.array()[len - 1] == '\r') {
                        len--;
                    }
                    return new String(lineBuf.array(), 0, len, StandardCharsets.ISO_8859_1);
                }
                if (lineBuf.length() > 64 * 1024) {
                    throw new IOException("header line too long");
                }
                lineBuf.append(b);
            }
        }

        private void readFixed(long length, ResponseMeter meter) throws IOException {
            long left = length;
            while (left > 0) {
                if (!fill()) {
                    throw new IOException("body ended early");
                }
                int n = (int) Math.min(left, lim - pos);
                meter.onBytes(buf, pos, n, System.nanoTime());
                pos += n;
                left -= n;
            }
        }

        private void readToEof(ResponseMeter meter) throws IOException {
            while (fill()) {
                meter.onBytes(buf, pos, lim - pos, System.nanoTime());
                pos = lim;
            }
        }

        private void readChunked(ResponseMeter meter) throws IOException {
            while (true) {
                String sizeLine = readLine();
                if (sizeLine == null) {
                    throw new IOException("stream ended inside chunked body");
                }
                int semi = sizeLine.indexOf(';');
                long size = Long.parseLong((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
                if (size == 0) {
                    String trailer;
                    while ((trailer = readLine()) != null && !trailer.isEmpty()) {
                        // ignore trailers
                    }
                    return;
                }
                readFixed(size, meter);
                String crlf = readLine();
                if (crlf == null || !crlf.isEmpty()) {
                    throw new IOException("bad chunk framing");
                }
            }
        }
    }
}
