package io.kiban.bench.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The JDK's built-in {@code com.sun.net.httpserver} on virtual threads, kept as a measured alternative to
 * {@link BlockingHttpServer} (decision 0101). It needs {@code -Dsun.net.httpserver.nodelay=true} before the server
 * class initialises, or each streamed response waits ~40 ms on delayed ACK; {@link #start} sets it.
 */
final class JdkHttpTransport implements HttpTransport {
    private final HttpServer server;
    private final ExecutorService executor;

    private JdkHttpTransport(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    static JdkHttpTransport start(InetSocketAddress address, Handler handler) throws IOException {
        System.setProperty("sun.net.httpserver.nodelay", "true");
        HttpServer server = HttpServer.create(address, 4096);
        ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(executor);
        server.createContext("/", ex -> {
            try (ex) {
                handler.handle(new Adapter(ex));
            } catch (IOException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException(e);
            }
        });
        server.start();
        return new JdkHttpTransport(server, executor);
    }

    @Override
    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private static final class Adapter implements Exchange {
        private final HttpExchange ex;
        private final byte[] body;
        private final ByteSink out = new ByteSink(2048);
        private OutputStream stream;

        Adapter(HttpExchange ex) throws IOException {
            this.ex = ex;
            try (InputStream in = ex.getRequestBody()) {
                this.body = in.readAllBytes();
            }
        }

        @Override
        public String method() {
            return ex.getRequestMethod();
        }

        @Override
        public String path() {
            return ex.getRequestURI().getRawPath();
        }

        @Override
        public String query() {
            return ex.getRequestURI().getRawQuery();
        }

        @Override
        public String header(String lowerCaseName) {
            return ex.getRequestHeaders().getFirst(lowerCaseName);
        }

        @Override
        public boolean hasHeaderWithPrefix(String lowerCasePrefix) {
            for (Map.Entry<String, List<String>> e : ex.getRequestHeaders().entrySet()) {
                if (e.getKey().toLowerCase().startsWith(lowerCasePrefix)) {
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
            return 0;
        }

        @Override
        public int bodyLength() {
            return body.length;
        }

        @Override
        public ByteSink out() {
            return out;
        }

        @Override
        public void responseHeader(String name, String value) {
            ex.getResponseHeaders().add(name, value);
        }

        @Override
        public void send(int status, String contentType) throws IOException {
            ex.getResponseHeaders().set("content-type", contentType);
            ex.sendResponseHeaders(status, out.length() == 0 ? -1 : out.length());
            if (out.length() > 0) {
                try (OutputStream os = ex.getResponseBody()) {
                    os.write(out.array(), 0, out.length());
                }
            }
            out.reset();
        }

        @Override
        public void startStream(int status, String contentType) throws IOException {
            ex.getResponseHeaders().set("content-type", contentType);
            ex.getResponseHeaders().set("cache-control", "no-cache");
            ex.sendResponseHeaders(status, 0);
            stream = ex.getResponseBody();
        }

        @Override
        public void flushChunk() throws IOException {
            stream.write(out.array(), 0, out.length());
            stream.flush();
            out.reset();
        }

        @Override
        public void endStream() throws IOException {
            flushChunk();
            stream.close();
        }

        @Override
        public void abort() {
            // The JDK server cannot cut one exchange's connection: the stream ends cleanly but without [DONE].
            ex.close();
        }
    }
}
