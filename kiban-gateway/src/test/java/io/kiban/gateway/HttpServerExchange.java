package io.kiban.gateway;

import com.sun.net.httpserver.HttpExchange;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The gateway's view of a JDK HTTP server exchange: a front end for tests that need a real client socket. Status and
 * headers go out on the first write or flush, with a Content-Length when the gateway set one, else chunked.
 */
final class HttpServerExchange implements Exchange {
    private final HttpExchange ex;
    private int status = 200;
    private long length = -1;
    private boolean sent;

    HttpServerExchange(HttpExchange ex) {
        this.ex = ex;
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
    public String header(String name) {
        return ex.getRequestHeaders().getFirst(name);
    }

    @Override
    public String clientIp() {
        return ex.getRemoteAddress().getAddress().getHostAddress();
    }

    @Override
    public long contentLength() {
        String value = ex.getRequestHeaders().getFirst("Content-Length");
        return value == null ? -1 : Long.parseLong(value);
    }

    @Override
    public InputStream body() {
        return ex.getRequestBody();
    }

    @Override
    public void status(int status) {
        this.status = status;
    }

    @Override
    public void header(String name, String value) {
        if (name.equalsIgnoreCase("Content-Length")) {
            length = Long.parseLong(value);
        } else {
            ex.getResponseHeaders().set(name, value);
        }
    }

    @Override
    public OutputStream output() {
        return new FilterOutputStream(ex.getResponseBody()) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                commit();
                out.write(b, off, len);
            }

            @Override
            public void write(int b) throws IOException {
                commit();
                out.write(b);
            }

            @Override
            public void flush() throws IOException {
                commit();
                out.flush();
            }
        };
    }

    private void commit() throws IOException {
        if (!sent) {
            sent = true;
            ex.sendResponseHeaders(status, length == 0 ? -1 : length < 0 ? 0 : length);
        }
    }

    /** Ends the exchange after the gateway returned. */
    void finish() throws IOException {
        commit();
        ex.close();
    }
}
