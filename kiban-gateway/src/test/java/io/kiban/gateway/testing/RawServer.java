package io.kiban.gateway.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback HTTP/1.1 server written on raw sockets, so a test can misbehave at the byte level: split writes, drop a
 * connection mid-chunk, send garbage, stall, or close idle keep-alive connections. Each accepted connection runs the
 * test's {@link Script} on its own virtual thread.
 *
 * <p>Counts accepted connections and requests read, and remembers how each connection ended, so keep-alive reuse and
 * "the gateway closed the upstream connection" can be asserted.
 */
public final class RawServer implements AutoCloseable {
    /** What the server does with one accepted connection. */
    @FunctionalInterface
    public interface Script {
        void serve(Conn conn) throws Exception;
    }

    private final ServerSocket server;
    private final Script script;
    private final AtomicInteger accepted = new AtomicInteger();
    private final AtomicInteger requests = new AtomicInteger();
    private final List<Conn> conns = new CopyOnWriteArrayList<>();
    private final List<Request> received = new CopyOnWriteArrayList<>();
    private final Thread acceptor;

    public RawServer(Script script) throws IOException {
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        this.script = script;
        this.acceptor = Thread.ofVirtual().name("raw-server-accept").start(this::acceptLoop);
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException closed) {
                return;
            }
            accepted.incrementAndGet();
            Conn conn;
            try {
                conn = new Conn(s);
            } catch (IOException e) {
                continue;
            }
            conns.add(conn);
            Thread.ofVirtual().name("raw-server-conn").start(() -> {
                try {
                    script.serve(conn);
                } catch (Exception e) {
                    conn.failure = e;
                } finally {
                    conn.closeQuietly();
                    conn.ended.countDown();
                }
            });
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    /** Connections accepted so far. */
    public int accepted() {
        return accepted.get();
    }

    /** Requests read so far, over all connections. */
    public int requests() {
        return requests.get();
    }

    public List<Request> received() {
        return List.copyOf(received);
    }

    public List<Conn> connections() {
        return List.copyOf(conns);
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Conn c : conns) {
            c.closeQuietly();
        }
        acceptor.interrupt();
    }

    /** A request as read by the server. Header names are lower-cased. */
    public record Request(String method, String path, List<String> headers, byte[] body) {
        public String header(String name) {
            for (int i = 0; i + 1 < headers.size(); i += 2) {
                if (headers.get(i).equals(name.toLowerCase(Locale.ROOT))) {
                    return headers.get(i + 1);
                }
            }
            return null;
        }

        public String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    /** One accepted connection. */
    public final class Conn {
        public final Socket socket;
        public final InputStream in;
        public final OutputStream out;
        final java.util.concurrent.CountDownLatch ended = new java.util.concurrent.CountDownLatch(1);
        volatile Exception failure;

        Conn(Socket socket) throws IOException {
            this.socket = socket;
            socket.setTcpNoDelay(true); // every write becomes its own segment at once, as the test wrote it
            this.in = socket.getInputStream();
            this.out = socket.getOutputStream();
        }

        /** Reads one request (head and Content-Length body); null when the client closed the connection first. */
        public Request readRequest() throws IOException {
            String line = readLine();
            if (line == null) {
                return null;
            }
            String[] parts = line.split(" ");
            List<String> headers = new ArrayList<>();
            int length = 0;
            String h;
            while ((h = readLine()) != null && !h.isEmpty()) {
                int colon = h.indexOf(':');
                String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
                String value = h.substring(colon + 1).trim();
                headers.add(name);
                headers.add(value);
                if (name.equals("content-length")) {
                    length = Integer.parseInt(value);
                }
            }
            byte[] body = in.readNBytes(length);
            Request r = new Request(parts[0], parts[1], headers, body);
            received.add(r);
            requests.incrementAndGet();
            return r;
        }

        private String readLine() throws IOException {
            ByteArrayOutputStream line = new ByteArrayOutputStream();
            int b;
            while ((b = in.read()) >= 0) {
                if (b == '\n') {
                    byte[] bytes = line.toByteArray();
                    int n = bytes.length > 0 && bytes[bytes.length - 1] == '\r' ? bytes.length - 1 : bytes.length;
                    return new String(bytes, 0, n, StandardCharsets.ISO_8859_1);
                }
                line.write(b);
            }
            return line.size() == 0 ? null : line.toString(StandardCharsets.ISO_8859_1);
        }

        /** Writes ASCII text and flushes. */
        public void write(String text) throws IOException {
            write(text.getBytes(StandardCharsets.ISO_8859_1));
        }

        public void write(byte[] bytes) throws IOException {
            out.write(bytes);
            out.flush();
        }

        /** Writes a complete response with a Content-Length body. */
        public void respond(int status, String contentType, String body) throws IOException {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            write("HTTP/1.1 " + status + " X\r\nContent-Type: " + contentType + "\r\nContent-Length: " + b.length + "\r\n\r\n");
            write(b);
        }

        /** Writes one chunk of a chunked body. */
        public void chunk(String data) throws IOException {
            byte[] b = data.getBytes(StandardCharsets.UTF_8);
            write(Integer.toHexString(b.length) + "\r\n");
            out.write(b);
            write("\r\n");
        }

        /** Waits until the peer closes its side: true when EOF (or a reset) arrived in time. */
        public boolean awaitPeerClose(long timeout, TimeUnit unit) throws IOException {
            socket.setSoTimeout((int) unit.toMillis(timeout));
            try {
                while (in.read() >= 0) {
                    // Discard anything the peer still sends.
                }
                return true;
            } catch (java.net.SocketTimeoutException e) {
                return false;
            } catch (SocketException reset) {
                return true;
            }
        }

        /** Resets the connection (RST instead of FIN) and closes it. */
        public void reset() throws IOException {
            socket.setSoLinger(true, 0);
            socket.close();
        }

        public boolean awaitEnd(long timeout, TimeUnit unit) throws InterruptedException {
            return ended.await(timeout, unit);
        }

        public Exception failure() {
            return failure;
        }

        void closeQuietly() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // Already closed.
            }
        }
    }
}
