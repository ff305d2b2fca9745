package io.kiban.gateway.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * A small HTTP/1.1 client for talking to model runtimes: blocking sockets (cheap on virtual threads), keep-alive
 * pools per host, {@code TCP_NODELAY}, no buffering of streamed bodies. Chosen over {@code java.net.http.HttpClient}
 * by measurement (docs/decisions/0002-gateway-http-stack.md).
 *
 * <p>Implementation notes.
 * <ul>
 *   <li>Pools: idle connections per {@code host:port} in a LIFO deque (the most recently used is the likeliest to
 *       be alive). A connection goes back to the pool only after its response body was read to the end and the
 *       server did not ask to close; one closed early is closed for good (so the runtime sees the client leave).
 *   <li>Stale connections: a pooled connection the server already closed fails on write or returns EOF before any
 *       response byte. That request is sent again, once, on a fresh connection: the server never saw it.
 *   <li>Streaming: body reads return whatever has arrived (at most one socket read), so each server-sent event
 *       can be forwarded the moment it arrives.
 * </ul>
 */
public final class Http1Client implements UpstreamClient {
    private final Map<String, Deque<Connection>> idle = new ConcurrentHashMap<>();
    private final int connectTimeoutMillis;
    private final int readTimeoutMillis;
    private final long idleTimeoutNanos;
    private final int maxIdlePerHost;
    private volatile boolean closed;

    /**
     * @param readTimeout longest wait for response headers or between two body reads (a model may think for a while
     *     before its first token)
     */
    public Http1Client(Duration connectTimeout, Duration readTimeout, Duration idleTimeout, int maxIdlePerHost) {
        this.connectTimeoutMillis = Math.toIntExact(connectTimeout.toMillis());
        this.readTimeoutMillis = Math.toIntExact(readTimeout.toMillis());
        this.idleTimeoutNanos = idleTimeout.toNanos();
        this.maxIdlePerHost = maxIdlePerHost;
    }

    public Http1Client() {
        this(Duration.ofSeconds(2), Duration.ofMinutes(10), Duration.ofSeconds(20), 512);
    }

    @Override
    public UpstreamResponse send(UpstreamRequest request) throws UpstreamException {
        String key = request.host() + ':' + request.port();
        byte[] head = head(request);
        for (int attempt = 0; ; attempt++) {
            Connection c = attempt == 0 ? pooled(key) : null;
            boolean reused = c != null;
            if (c == null) {
                c = connect(request.host(), request.port(), key);
            }
            try {
                c.write(head, request.body());
                return c.readResponse(request.method().equals("HEAD"));
            } catch (IOException e) {
                c.closeQuietly();
                boolean nothingRead = c.bytesRead == 0;
                if (reused && nothingRead && attempt == 0) {
                    continue;
                }
                throw new UpstreamException("Upstream " + key + " failed: " + e.getMessage(), e, nothingRead,
                        e instanceof SocketTimeoutException);
            }
        }
    }

    private static byte[] head(UpstreamRequest r) {
        StringBuilder sb = new StringBuilder(256);
        sb.append(r.method()).append(' ').append(r.path()).append(" HTTP/1.1\r\nHost: ")
                .append(r.host()).append(':').append(r.port()).append("\r\n");
        List<String> h = r.headers();
        for (int i = 0; i + 1 < h.size(); i += 2) {
            sb.append(h.get(i)).append(": ").append(h.get(i + 1)).append("\r\n");
        }
        if (r.body() != null) {
            sb.append("Content-Length: ").append(r.body().length).append("\r\n");
        }
        return sb.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    private Connection pooled(String key) {
        Deque<Connection> q = idle.get(key);
        if (q == null) {
            return null;
        }
        long now = System.nanoTime();
        Connection c;
        while ((c = q.pollFirst()) != null) {
            if (now - c.idleSince < idleTimeoutNanos && !c.socket.isClosed()) {
                c.bytesRead = 0;
                return c;
            }
            c.closeQuietly();
        }
        return null;
    }

    private Connection connect(String host, int port, String key) throws UpstreamException {
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(host, port), connectTimeoutMillis);
            s.setSoTimeout(readTimeoutMillis);
            return new Connection(s, key);
        } catch (IOException e) {
            try {
                s.close();
            } catch (IOException ignored) {
                // Nothing was sent.
            }
            throw new UpstreamException("Cannot connect to " + key + ": " + e.getMessage(), e, true,
                    e instanceof SocketTimeoutException);
        }
    }

    void release(Connection c) {
        if (closed) {
            c.closeQuietly();
            return;
        }
        Deque<Connection> q = idle.computeIfAbsent(c.key, k -> new ConcurrentLinkedDeque<>());
        c.idleSince = System.nanoTime();
        q.offerFirst(c);
        if (q.size() > maxIdlePerHost) {
            Connection extra = q.pollLast();
            if (extra != null) {
                extra.closeQuietly();
            }
        }
    }

    /** Closes pooled connections to one host (for example a replica that was stopped). */
    public void evict(String host, int port) {
        Deque<Connection> q = idle.remove(host + ':' + port);
        if (q != null) {
            q.forEach(Connection::closeQuietly);
        }
    }

    @Override
    public void close() {
        closed = true;
        idle.values().forEach(q -> q.forEach(Connection::closeQuietly));
        idle.clear();
    }

    /** One socket, read through a small buffer so status lines, headers and chunk sizes parse without copying. */
    final class Connection {
        final Socket socket;
        final String key;
        final InputStream in;
        final OutputStream out;
        final byte[] buf = new byte[16384];
        int pos;
        int lim;
        long bytesRead;
        long idleSince;

        Connection(Socket socket, String key) throws IOException {
            this.socket = socket;
            this.key = key;
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
        }

        void write(byte[] head, byte[] body) throws IOException {
            if (body != null && body.length > 0 && body.length <= 65536) {
                byte[] all = new byte[head.length + body.length];
                System.arraycopy(head, 0, all, 0, head.length);
                System.arraycopy(body, 0, all, head.length, body.length);
                out.write(all);
            } else {
                out.write(head);
                if (body != null) {
                    out.write(body);
                }
            }
            out.flush();
        }

        UpstreamResponse readResponse(boolean headRequest) throws IOException {
            String statusLine = readLine();
            if (statusLine == null) {
                throw new IOException("connection closed before the response");
            }
            if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12) {
                throw new IOException("malformed status line");
            }
            int status = Integer.parseInt(statusLine, 9, 12, 10);
            List<String> headers = new ArrayList<>(16);
            long length = -1;
            boolean chunked = false;
            boolean keepAlive = statusLine.startsWith("HTTP/1.1");
            String line;
            while ((line = readLine()) != null && !line.isEmpty()) {
                int colon = line.indexOf(':');
                if (colon <= 0) {
                    continue;
                }
                String name = line.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT);
                String value = line.substring(colon + 1).trim();
                headers.add(name);
                headers.add(value);
                switch (name) {
                    case "content-length" -> length = Long.parseLong(value);
                    case "transfer-encoding" -> chunked = value.toLowerCase(java.util.Locale.ROOT).contains("chunked");
                    case "connection" -> keepAlive = keepAlive ? !value.equalsIgnoreCase("close") : value.equalsIgnoreCase("keep-alive");
                    default -> { }
                }
            }
            if (line == null) {
                throw new IOException("connection closed inside the response headers");
            }
            boolean noBody = headRequest || status == 204 || status == 304 || (status >= 100 && status < 200);
            Body body;
            if (noBody) {
                body = new Body(this, keepAlive, 0, false);
            } else if (chunked) {
                body = new Body(this, keepAlive, -1, true);
                length = -1;
            } else if (length >= 0) {
                body = new Body(this, keepAlive, length, false);
            } else {
                body = new Body(this, false, Long.MAX_VALUE, false);
            }
            return new Response(status, headers, length, body);
        }

        /** Reads one CRLF- or LF-terminated line of ISO-8859-1 text; null at end of stream. */
        String readLine() throws IOException {
            StringBuilder sb = null;
            while (true) {
                if (pos == lim && fill() < 0) {
                    return sb == null ? null : sb.toString();
                }
                int start = pos;
                while (pos < lim) {
                    if (buf[pos] == '\n') {
                        int end = pos;
                        pos++;
                        if (end > start && buf[end - 1] == '\r') {
                            end--;
                        }
                        String part = new String(buf, start, end - start, StandardCharsets.ISO_8859_1);
                        if (sb == null) {
                            return part;
                        }
                        // A CR at the end of the previous buffer belongs to this line ending.
                        if (end == start && !sb.isEmpty() && sb.charAt(sb.length() - 1) == '\r') {
                            sb.setLength(sb.length() - 1);
                        }
                        return sb.append(part).toString();
                    }
                    pos++;
                }
                if (sb == null) {
                    sb = new StringBuilder();
                }
                sb.append(new String(buf, start, pos - start, StandardCharsets.ISO_8859_1));
                if (sb.length() > 65536) {
                    throw new IOException("response line longer than 64 KiB");
                }
            }
        }

        int fill() throws IOException {
            int n = in.read(buf, 0, buf.length);
            if (n > 0) {
                pos = 0;
                lim = n;
                bytesRead += n;
            }
            return n;
        }

        void closeQuietly() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // Already closed.
            }
        }
    }

    /** A response body: content-length, chunked or close-delimited. */
    final class Body extends InputStream {
        private final Connection c;
        private final boolean keepAlive;
        private final boolean chunked;
        private long remaining; // in the whole body, or in the current chunk when chunked
        private boolean done;
        private boolean closed;

        Body(Connection c, boolean keepAlive, long length, boolean chunked) {
            this.c = c;
            this.keepAlive = keepAlive;
            this.chunked = chunked;
            this.remaining = chunked ? 0 : length;
            if (!chunked && length == 0) {
                finish();
            }
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (done || closed) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            if (chunked && remaining == 0) {
                if (!nextChunk()) {
                    return -1;
                }
            }
            if (c.pos == c.lim && c.fill() < 0) {
                if (remaining == Long.MAX_VALUE) { // close-delimited body: EOF is the end
                    done = true;
                    c.closeQuietly();
                    return -1;
                }
                throw new IOException("connection closed in the middle of the response body");
            }
            int n = (int) Math.min(Math.min(len, c.lim - c.pos), remaining);
            System.arraycopy(c.buf, c.pos, b, off, n);
            c.pos += n;
            if (remaining != Long.MAX_VALUE) {
                remaining -= n;
            }
            if (!chunked && remaining == 0) {
                finish();
            }
            return n;
        }

        private boolean nextChunk() throws IOException {
            String size = c.readLine();
            if (size != null && size.isEmpty()) { // the CRLF that ends the previous chunk
                size = c.readLine();
            }
            if (size == null) {
                throw new IOException("connection closed in the middle of a chunked body");
            }
            int semi = size.indexOf(';');
            long n = Long.parseLong(semi < 0 ? size.trim() : size.substring(0, semi).trim(), 16);
            if (n == 0) {
                String trailer;
                while ((trailer = c.readLine()) != null && !trailer.isEmpty()) {
                    // Trailers are ignored.
                }
                finish();
                return false;
            }
            remaining = n;
            return true;
        }

        @Override
        public int available() {
            return done ? 0 : (int) Math.min(c.lim - c.pos, remaining);
        }

        private void finish() {
            done = true;
            if (keepAlive && c.pos == c.lim) {
                release(c);
            } else {
                c.closeQuietly();
            }
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                if (!done) {
                    c.closeQuietly();
                }
            }
        }
    }

    private record Response(int status, List<String> headers, long contentLength, Body stream) implements UpstreamResponse {
        @Override
        public String header(String name) {
            for (int i = 0; i + 1 < headers.size(); i += 2) {
                if (headers.get(i).equalsIgnoreCase(name)) {
                    return headers.get(i + 1);
                }
            }
            return null;
        }

        @Override
        public InputStream body() {
            return stream;
        }

        @Override
        public void close() {
            stream.close();
        }
    }
}
