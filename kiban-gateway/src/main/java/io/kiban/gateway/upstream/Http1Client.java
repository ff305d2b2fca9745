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
            boolean written = false;
            c.abort = request.abort();
            if (c.abort != null) {
                c.abort.attach(c.socket);
            }
            try {
                c.socket.setSoTimeout(request.timeoutMillis() > 0 ? request.timeoutMillis() : readTimeoutMillis);
                c.write(head, request.body());
                written = true;
                return c.readResponse(request.method().equals("HEAD"));
            } catch (MalformedResponseException e) {
                c.closeQuietly();
                throw new UpstreamException("Upstream " + key + " sent a malformed response: " + e.getMessage(), e,
                        UpstreamException.Kind.MALFORMED);
            } catch (IOException e) {
                c.closeQuietly();
                boolean timeout = e instanceof SocketTimeoutException;
                // A read timeout is not a stale connection: the runtime has the request and may be working on it, so
                // it must not be sent again, neither here nor (through beforeResponse) to another replica.
                boolean notStarted = c.bytesRead == 0 && !timeout;
                if (reused && notStarted && attempt == 0) {
                    continue;
                }
                UpstreamException.Kind kind = timeout ? UpstreamException.Kind.TIMEOUT
                        : !written ? UpstreamException.Kind.REFUSED
                        : c.bytesRead == 0 ? UpstreamException.Kind.CLOSED : UpstreamException.Kind.BROKEN;
                throw new UpstreamException("Upstream " + key + " failed: " + e.getMessage(), e, kind);
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

    /**
     * A non-negative number sent by the runtime. Malformed numbers are an {@link IOException} like any other broken
     * response: a {@code NumberFormatException} would escape the callers' I/O error handling and become a 500.
     */
    static long parseSize(String s, int radix, String what) throws IOException {
        try {
            long n = Long.parseLong(s, radix);
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // Reported below.
        }
        // Quoted into log lines: at most 40 characters, control characters (CR, ESC) replaced.
        String shown = (s.length() > 40 ? s.substring(0, 40) + "..." : s).replaceAll("\\p{Cntrl}", "?");
        throw new MalformedResponseException("malformed " + what + " from upstream: '" + shown + "'");
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
            throw new UpstreamException("Cannot connect to " + key + ": " + e.getMessage(), e, UpstreamException.Kind.REFUSED);
        }
    }

    void release(Connection c) {
        if (c.abort != null) {
            c.abort.detach(c.socket);
            c.abort = null;
        }
        if (closed || c.socket.isClosed()) {
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
        Abort abort; // of the call using this connection, detached before the connection is reused
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
            return readResponse(headRequest, 0);
        }

        private UpstreamResponse readResponse(boolean headRequest, int interim) throws IOException {
            String statusLine = readLine();
            if (statusLine == null) {
                throw new IOException("connection closed before the response");
            }
            if (!statusLine.startsWith("HTTP/1.") || statusLine.length() < 12) {
                throw new MalformedResponseException("malformed status line");
            }
            int status = (int) parseSize(statusLine.substring(9, 12), 10, "status code");
            if (status < 100) {
                throw new MalformedResponseException("malformed status line");
            }
            List<String> headers = new ArrayList<>(16);
            long length = -1;
            boolean chunked = false;
            boolean keepAlive = statusLine.startsWith("HTTP/1.1");
            String line;
            while ((line = readLine()) != null && !line.isEmpty()) {
                if (line.indexOf('\r') >= 0 || line.indexOf('\0') >= 0) {
                    // RFC 9110 §5.5: a bare CR could split the value into a second header once the gateway relays
                    // it (Retry-After, Content-Type) to the client.
                    throw new MalformedResponseException("malformed header line from upstream");
                }
                int colon = line.indexOf(':');
                if (colon <= 0) {
                    continue;
                }
                String name = line.substring(0, colon).trim().toLowerCase(java.util.Locale.ROOT);
                String value = line.substring(colon + 1).trim();
                headers.add(name);
                headers.add(value);
                switch (name) {
                    case "content-length" -> length = parseSize(value, 10, "Content-Length");
                    case "transfer-encoding" -> chunked = value.toLowerCase(java.util.Locale.ROOT).contains("chunked");
                    case "connection" -> keepAlive = keepAlive ? !value.equalsIgnoreCase("close") : value.equalsIgnoreCase("keep-alive");
                    default -> { }
                }
            }
            if (line == null) {
                throw new IOException("connection closed inside the response headers");
            }
            if (status < 200 && status != 101) {
                // An interim response (100 Continue, 103 Early Hints): RFC 9110 §15.2 says to read on to the final
                // one. Returned as the response, it reached the client as status 100 and broke the connection.
                if (interim >= 8) {
                    throw new MalformedResponseException("too many interim responses");
                }
                return readResponse(headRequest, interim + 1);
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
                    throw new MalformedResponseException("response line longer than 64 KiB");
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
        private boolean afterChunk; // a chunk's data was read: its CRLF comes before the next size line
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
            if (afterChunk) { // the CRLF that ends the previous chunk's data must be there, and be empty
                String crlf = c.readLine();
                if (crlf == null) {
                    throw new IOException("connection closed in the middle of a chunked body");
                }
                if (!crlf.isEmpty()) {
                    // Taking it for the next size line ("hello3\r\n" read as chunk "3") relays misframed bytes.
                    throw new IOException("chunk data longer than its declared size");
                }
            }
            afterChunk = true;
            String size = c.readLine();
            if (size == null) {
                throw new IOException("connection closed in the middle of a chunked body");
            }
            int semi = size.indexOf(';');
            long n = parseSize(semi < 0 ? size.trim() : size.substring(0, semi).trim(), 16, "chunk size");
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

        void readTimeout(int millis) {
            try {
                c.socket.setSoTimeout(Math.max(1, millis));
            } catch (java.net.SocketException closed) {
                // The next read fails and says so.
            }
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
        public void readTimeout(int millis) {
            stream.readTimeout(millis);
        }

        @Override
        public void close() {
            stream.close();
        }
    }
}
