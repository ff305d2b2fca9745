package io.kiban.gateway;

import io.kiban.api.ApiError;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Renders {@link ApiError}s onto exchanges: as an OpenAI error response, or as a final server-sent event. */
public final class Errors {
    private Errors() {}

    public static void write(Exchange ex, ApiError error) {
        byte[] body = ApiError.envelope(error);
        try {
            ex.status(ApiError.status(error));
            ex.header("Content-Type", "application/json");
            long retry = ApiError.retryAfterSeconds(error);
            if (retry > 0) {
                ex.header("Retry-After", Long.toString(retry));
            }
            ex.header("Content-Length", Integer.toString(body.length));
            try (OutputStream out = ex.output()) {
                out.write(body);
            }
        } catch (IOException | IllegalStateException ignored) {
            // The client is gone, or the response was already committed; nothing more can be said.
        }
    }

    /** Ends a stream that cannot continue with {@code data: {"error":{…}}}, so the client knows it is incomplete. */
    public static void writeEvent(OutputStream out, ApiError error) {
        try {
            out.write(DATA);
            out.write(ApiError.envelope(error));
            out.write(END);
            out.flush();
        } catch (IOException ignored) {
            // The client is gone as well.
        }
    }

    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
}
