package io.kiban.bench.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A small HTTP/1.1 server: one thread per connection (virtual by default) doing blocking reads and writes, keep-alive,
 * pipelining, Content-Length and chunked request bodies, {@code Expect: 100-continue}, and chunked responses for
 * server-sent events. TCP_NODELAY is set on every connection (see performance.md §6.7: without it small chunked
 * writes meet delayed ACK and every response takes ~40 ms).
 *
 * <p>Implementation notes. Each connection owns a read buffer, a response-head buffer and a body buffer, reused for
 * every request on it, so a request allocates only its header strings. A response head and a small body go out in
 * one {@code write} (one TCP segment). It trusts its clients: it is a test and benchmark server bound to loopback by
 * default, with limits only against accidents (64 KiB of headers, 256 MiB of body).
 */
public final class BlockingHttpServer implements HttpTransport {
    static final int MAX_HEAD = 64 * 1024;
    static final int MAX_BODY = 256 * 1024 * 1024;
    private static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final ServerSocket server;
    private final Handler handler;
    private final boolean virtual;
    private final Set<Connection> connections = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private BlockingHttpServer(ServerSocket server, Handler handler, boolean virtual) {
        this.server = server;
        this.handler = handler;
        this.virtual = virtual;
    }

    public static BlockingHttpServer start(InetSocketAddress address, Handler handler, boolean virtualThreads)
            throws IOException {
        ServerSocket ss = new ServerSocket();
        ss.setReuseAddress(true);
        ss.bind(address, 4096);
        BlockingHttpServer s = new BlockingHttpServer(ss, handler, virtualThreads);
        Thread.ofPlatform().daemon().name("http-accept-" + ss.getLocalPort()).start(s::acceptLoop);
        return s;
    }

    @Override
    public int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!closed) {
            Socket socket;
            try {
                socket = server.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                continue; // e.g. EMFILE: keep serving the connections we have
            }
            Connection c = new Connection(socket);
            connections.add(c);
            Thread t = virtual ? Thread.ofVirtual().unstarted(c) : Thread.ofPlatform().daemon().unstarted(c);
            c.thread = t;
            t.start();
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        for (Connection c : connections) {
            c.closeSocket();
            Thread t = c.thread;
            if (t != null) {
                t.interrupt(); // wakes handlers sleeping between tokens
            }
        }
    }

    private static String statusLine(int status) {
        return switch (status) {
            case 200 -> "HTTP/1.1 200 OK\r\n";
            case 400 -> "HTTP/1.1 400 Bad Request\r\n";
            case 401 -> "HTTP/1.1 401 Unauthorized\r\n";
            case 404 -> "HTTP/1.1 404 Not Found\r\n";
            case 405 -> "HTTP/1.1 405 Method Not Allowed\r\n";
            case 413 -> "HTTP/1.1 413 Content Too Large\r\n";
            case 429 -> "HTTP/1.1 429 Too Many Requests\r\n";
            case 500 -> "HTTP/1.1 500 Internal Server Error\r\n";
            case 502 -> "HTTP/1.1 502 Bad Gateway\r\n";
            case 503 -> "HTTP/1.1 503 Service Unavailable\r\n";
            case 504 -> "HTTP/1.1 504 Gateway Timeout\r\n";
            default -> "HTTP/1.1 " + status + " Status\r\n";
        };
    }

    /** One connection: reads requests, calls the handler, writes responses, until close or error. */
    private final class Connection implements Runnable, Exchange {
        private final Socket socket;
        volatile Thread thread;
        private InputStream in;
        private OutputStream os;

        private byte[] rbuf = new byte[8192];
        private int rlen; // bytes in rbuf
        private int consumed; // end of the current request in rbuf

        private String method;
        private String path;
        private String query;
        private final String[] hNames = new String[32];
        private final String[] hValues = new String[32];
        private int hCount;
        private byte[] body;
        private int bodyOff;
        private int bodyLen;
        private boolean keepAlive;

        private final ByteSink head = new ByteSink(512);
        private final ByteSink out = new ByteSink(2048);
        private final ByteSink frame = new ByteSink(2048);
        private final String[] rhNames = new String[8];
        private final String[] rhValues = new String[8];
        private int rhCount;
        private boolean responded;
        private boolean streaming;
        private boolean aborted;

        Connection(Socket socket) {
            this.socket = socket;
        }

        @Override
        public void run() {
            try {
                socket.setTcpNoDelay(true);
                in = socket.getInputStream();
                os = socket.getOutputStream();
                while (!closed && readRequest()) {
                    responded = false;
                    streaming = false;
                    rhCount = 0;
                    out.reset();
                    try {
                        handler.handle(this);
                    } catch (IOException e) {
                        break;
                    } catch (InterruptedException e) {
                        break;
                    } catch (Exception e) {
                        if (!responded) {
                            out.reset();
                            out.ascii("{\"error\":{\"message\":\"simulator bug: ").jsonEscaped(String.valueOf(e))
                                    .ascii("\",\"type\":\"server_error\",\"param\":null,\"code\":\"internal_error\"}}");
                            send(500, "application/json");
                        } else {
                            break;
                        }
                    }
                    if (aborted || !keepAlive || (streaming && !responded)) {
                        break;
                    }
                    if (!responded) {
                        out.reset();
                        send(500, "text/plain");
                    }
                    compact();
                }
            } catch (IOException | RuntimeException e) {
                // connection reset or closed by the client: nothing to answer
            } finally {
                closeSocket();
                connections.remove(this);
            }
        }

        void closeSocket() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // already closed
            }
        }

        /** Drops the request just served from the read buffer, keeping any pipelined bytes after it. */
        private void compact() {
            int rest = rlen - consumed;
            if (rest > 0) {
                System.arraycopy(rbuf, consumed, rbuf, 0, rest);
            }
            rlen = rest;
            consumed = 0;
            if (rbuf.length > 1 << 20 && rlen < 8192) {
                rbuf = Arrays.copyOf(rbuf, 8192); // a large body passed; don't keep its buffer per idle connection
            }
        }

        private boolean fill(int need) throws IOException {
            if (need > rbuf.length) {
                rbuf = Arrays.copyOf(rbuf, Math.max(need, rbuf.length * 2));
            }
            while (rlen < need) {
                int n = in.read(rbuf, rlen, rbuf.length - rlen);
                if (n < 0) {
                    return false;
                }
                rlen += n;
            }
            return true;
        }

        private boolean readRequest() throws IOException {
            int headEnd;
            int scanFrom = 0;
            while ((headEnd = indexOfHeadEnd(scanFrom)) < 0) {
                scanFrom = Math.max(0, rlen - 3);
                if (rlen >= MAX_HEAD) {
                    return false;
                }
                if (rlen == rbuf.length) {
                    rbuf = Arrays.copyOf(rbuf, rbuf.length * 2);
                }
                int n = in.read(rbuf, rlen, rbuf.length - rlen);
                if (n < 0) {
                    return false;
                }
                rlen += n;
            }
            parseHead(headEnd);
            int bodyStart = headEnd + 4;
            String te = header("transfer-encoding");
            if (te != null && te.toLowerCase().contains("chunked")) {
                continueIfExpected(bodyStart, -1);
                return readChunkedBody(bodyStart);
            }
            String cl = header("content-length");
            long length = 0;
            if (cl != null) {
                try {
                    length = Long.parseLong(cl.trim());
                } catch (NumberFormatException e) {
                    return false;
                }
            }
            if (length < 0 || length > MAX_BODY) {
                return false;
            }
            continueIfExpected(bodyStart, (int) length);
            if (!fill(bodyStart + (int) length)) {
                return false;
            }
            body = rbuf;
            bodyOff = bodyStart;
            bodyLen = (int) length;
            consumed = bodyStart + (int) length;
            return true;
        }

        private void continueIfExpected(int bodyStart, int length) throws IOException {
            String expect = header("expect");
            if (expect != null && expect.equalsIgnoreCase("100-continue") && rlen - bodyStart < Math.max(1, length)) {
                os.write(CONTINUE);
            }
        }

        private boolean readChunkedBody(int start) throws IOException {
            ByteSink decoded = new ByteSink(4096);
            int pos = start;
            while (true) {
                int lineEnd;
                while ((lineEnd = indexOfCrlf(pos)) < 0) {
                    if (!fill(rlen + 1)) {
                        return false;
                    }
                }
                String sizeLine = new String(rbuf, pos, lineEnd - pos, StandardCharsets.US_ASCII);
                int semi = sizeLine.indexOf(';');
                int size;
                try {
                    size = Integer.parseInt((semi < 0 ? sizeLine : sizeLine.substring(0, semi)).trim(), 16);
                } catch (NumberFormatException e) {
                    return false;
                }
                pos = lineEnd + 2;
                if (size == 0) {
                    // trailers, if any, end with an empty line
                    while (true) {
                        while ((lineEnd = indexOfCrlf(pos)) < 0) {
                            if (!fill(rlen + 1)) {
                                return false;
                            }
                        }
                        boolean empty = lineEnd == pos;
                        pos = lineEnd + 2;
                        if (empty) {
                            break;
                        }
                    }
                    break;
                }
                if (size < 0 || decoded.length() + size > MAX_BODY || !fill(pos + size + 2)) {
                    return false;
                }
                decoded.append(rbuf, pos, size);
                pos += size + 2;
            }
            body = decoded.array();
            bodyOff = 0;
            bodyLen = decoded.length();
            consumed = pos;
            return true;
        }

        private int indexOfHeadEnd(int from) {
            for (int i = from; i + 3 < rlen; i++) {
                if (rbuf[i] == '\r' && rbuf[i + 1] == '\n' && rbuf[i + 2] == '\r' && rbuf[i + 3] == '\n') {
                    return i;
                }
            }
            return -1;
        }

        private int indexOfCrlf(int from) {
            for (int i = from; i + 1 < rlen; i++) {
                if (rbuf[i] == '\r' && rbuf[i + 1] == '\n') {
                    return i;
                }
            }
            return -1;
        }

        private void parseHead(int headEnd) throws IOException {
            int lineEnd = indexOfCrlf(0);
            String requestLine = new String(rbuf, 0, lineEnd, StandardCharsets.US_ASCII);
            int sp1 = requestLine.indexOf(' ');
            int sp2 = requestLine.lastIndexOf(' ');
            if (sp1 <= 0 || sp2 <= sp1) {
                throw new IOException("malformed request line");
            }
            method = requestLine.substring(0, sp1);
            String target = requestLine.substring(sp1 + 1, sp2);
            boolean http10 = requestLine.endsWith("HTTP/1.0");
            int q = target.indexOf('?');
            path = q < 0 ? target : target.substring(0, q);
            query = q < 0 ? null : target.substring(q + 1);
            hCount = 0;
            int pos = lineEnd + 2;
            while (pos < headEnd + 2) {
                int end = indexOfCrlf(pos);
                int colon = -1;
                for (int i = pos; i < end; i++) {
                    if (rbuf[i] == ':') {
                        colon = i;
                        break;
                    }
                }
                if (colon > pos && hCount < hNames.length) {
                    hNames[hCount] = lowerAscii(pos, colon);
                    int vs = colon + 1;
                    int ve = end;
                    while (vs < ve && (rbuf[vs] == ' ' || rbuf[vs] == '\t')) {
                        vs++;
                    }
                    while (ve > vs && (rbuf[ve - 1] == ' ' || rbuf[ve - 1] == '\t')) {
                        ve--;
                    }
                    hValues[hCount++] = new String(rbuf, vs, ve - vs, StandardCharsets.ISO_8859_1);
                }
                pos = end + 2;
            }
            String connection = header("connection");
            if (http10) {
                keepAlive = connection != null && connection.equalsIgnoreCase("keep-alive");
            } else {
                keepAlive = connection == null || !connection.equalsIgnoreCase("close");
            }
        }

        private String lowerAscii(int from, int to) {
            byte[] b = new byte[to - from];
            for (int i = 0; i < b.length; i++) {
                byte c = rbuf[from + i];
                b[i] = c >= 'A' && c <= 'Z' ? (byte) (c + 32) : c;
            }
            return new String(b, StandardCharsets.ISO_8859_1);
        }

        // ---- Exchange ----

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
        public String header(String lowerCaseName) {
            for (int i = 0; i < hCount; i++) {
                if (hNames[i].equals(lowerCaseName)) {
                    return hValues[i];
                }
            }
            return null;
        }

        @Override
        public boolean hasHeaderWithPrefix(String lowerCasePrefix) {
            for (int i = 0; i < hCount; i++) {
                if (hNames[i].startsWith(lowerCasePrefix)) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public byte[] bodyArray() {
            return body;
        }

        @Override
        public int bodyOffset() {
            return bodyOff;
        }

        @Override
        public int bodyLength() {
            return bodyLen;
        }

        @Override
        public ByteSink out() {
            return out;
        }

        @Override
        public void responseHeader(String name, String value) {
            if (rhCount < rhNames.length) {
                rhNames[rhCount] = name;
                rhValues[rhCount++] = value;
            }
        }

        private void writeHead(int status, String contentType) {
            head.reset();
            head.ascii(statusLine(status));
            head.ascii("content-type: ").ascii(contentType).ascii("\r\n");
            for (int i = 0; i < rhCount; i++) {
                head.ascii(rhNames[i]).ascii(": ").ascii(rhValues[i]).ascii("\r\n");
            }
            if (!keepAlive) {
                head.ascii("connection: close\r\n");
            }
        }

        @Override
        public void send(int status, String contentType) throws IOException {
            writeHead(status, contentType);
            head.ascii("content-length: ").decimal(out.length()).ascii("\r\n\r\n");
            responded = true;
            if (out.length() <= 16 * 1024) {
                head.append(out.array(), 0, out.length());
                os.write(head.array(), 0, head.length());
            } else {
                os.write(head.array(), 0, head.length());
                os.write(out.array(), 0, out.length());
            }
            out.reset();
        }

        @Override
        public void startStream(int status, String contentType) throws IOException {
            writeHead(status, contentType);
            head.ascii("cache-control: no-cache\r\ntransfer-encoding: chunked\r\n\r\n");
            streaming = true;
            os.write(head.array(), 0, head.length());
        }

        @Override
        public void flushChunk() throws IOException {
            if (out.length() == 0) {
                return; // an empty chunk would end the stream
            }
            frame.reset();
            frame.hex(out.length()).ascii("\r\n").append(out.array(), 0, out.length()).ascii("\r\n");
            os.write(frame.array(), 0, frame.length());
            out.reset();
        }

        @Override
        public void endStream() throws IOException {
            if (out.length() > 0) {
                frame.reset();
                frame.hex(out.length()).ascii("\r\n").append(out.array(), 0, out.length()).ascii("\r\n")
                        .append(LAST_CHUNK);
                os.write(frame.array(), 0, frame.length());
                out.reset();
            } else {
                os.write(LAST_CHUNK);
            }
            responded = true;
        }

        @Override
        public void abort() {
            aborted = true;
            responded = true;
            try {
                socket.shutdownOutput(); // FIN after what was sent: the client reads every chunk, then a cut stream
            } catch (SocketException ignored) {
                // already gone
            } catch (IOException ignored) {
                // already gone
            }
            closeSocket();
        }
    }
}
