package io.kiban.worker;

import com.sun.net.httpserver.HttpExchange;
import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.api.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Small helpers for the worker's {@code com.sun.net.httpserver} exchanges. */
final class HttpIo {
    private HttpIo() {}

    static byte[] readBody(HttpExchange ex, int limit) throws IOException {
        try (InputStream in = ex.getRequestBody()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
            byte[] buf = new byte[16384];
            int n;
            while ((n = in.read(buf)) > 0) {
                if (out.size() + n > limit) {
                    throw new ApiException(new ApiError.PayloadTooLarge(
                            "The request body is larger than the worker's limit of " + limit + " bytes."));
                }
                out.write(buf, 0, n);
            }
            return out.toByteArray();
        }
    }

    static void json(HttpExchange ex, int status, Object body) throws IOException {
        bytes(ex, status, Json.write(body));
    }

    static void bytes(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    static void error(HttpExchange ex, ApiError error) throws IOException {
        long retry = ApiError.retryAfterSeconds(error);
        if (retry > 0) {
            ex.getResponseHeaders().set("Retry-After", Long.toString(retry));
        }
        bytes(ex, ApiError.status(error), ApiError.envelope(error));
    }

    /** Starts a server-sent-event stream. */
    static OutputStream startSse(HttpExchange ex) throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        return ex.getResponseBody();
    }

    static void sse(OutputStream out, byte[] json) throws IOException {
        out.write(DATA);
        out.write(json);
        out.write(END);
        out.flush();
    }

    static void sseDone(OutputStream out) throws IOException {
        out.write(DONE);
        out.flush();
    }

    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);
}
