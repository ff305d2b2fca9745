package io.kiban.server.web;

import io.kiban.gateway.Exchange;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** The gateway's view of a servlet request and response. */
final class ServletExchange implements Exchange {
    private final HttpServletRequest req;
    private final HttpServletResponse res;
    private ClientConnection connection; // found on the first probe
    private boolean probed;
    private volatile boolean closeAfter; // the client sent data that a probe took: close after this response

    ServletExchange(HttpServletRequest req, HttpServletResponse res) {
        this.req = req;
        this.res = res;
    }

    @Override
    public String method() {
        return req.getMethod();
    }

    @Override
    public String path() {
        return req.getRequestURI();
    }

    @Override
    public String query() {
        return req.getQueryString();
    }

    @Override
    public String header(String name) {
        return req.getHeader(name);
    }

    @Override
    public String clientIp() {
        return req.getRemoteAddr();
    }

    @Override
    public long contentLength() {
        return req.getContentLengthLong();
    }

    @Override
    public InputStream body() throws IOException {
        return req.getInputStream();
    }

    @Override
    public void status(int status) {
        res.setStatus(status);
    }

    @Override
    public void header(String name, String value) {
        if (name.equals("Content-Length")) {
            res.setContentLengthLong(Long.parseLong(value));
        } else {
            res.setHeader(name, value);
        }
    }

    @Override
    public OutputStream output() throws IOException {
        if (closeAfter && !res.isCommitted()) {
            res.setHeader("Connection", "close");
        }
        return res.getOutputStream();
    }

    /** Called by the gateway's watch thread only, one probe at a time. */
    @Override
    public boolean clientGone() {
        if (!probed) {
            probed = true;
            connection = ClientConnection.of(req);
        }
        if (connection == null || closeAfter) {
            return false;
        }
        return switch (connection.probe()) {
            case GONE -> true;
            case SENT_DATA -> {
                closeAfter = true;
                yield false;
            }
            case PRESENT, UNKNOWN -> false;
        };
    }
}
