package io.kiban.gateway;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import java.io.IOException;
import java.io.InputStream;

/** Reads request bodies with a size limit. */
final class Bodies {
    private Bodies() {}

    static byte[] read(Exchange ex, int limit) {
        long declared = ex.contentLength();
        if (declared > limit) {
            throw tooLarge(limit);
        }
        try (InputStream in = ex.body()) {
            // A declared length sizes the read: readNBytes(limit + 1) starts with a 16 KiB buffer for any body.
            // The byte after it shows a body longer than declared, which is then read on as an undeclared one.
            byte[] body = in.readNBytes(declared >= 0 ? (int) declared + 1 : limit + 1);
            if (declared >= 0 && body.length > declared) {
                byte[] rest = in.readNBytes(limit + 1 - body.length);
                byte[] whole = java.util.Arrays.copyOf(body, body.length + rest.length);
                System.arraycopy(rest, 0, whole, body.length, rest.length);
                body = whole;
            }
            if (body.length > limit) {
                throw tooLarge(limit);
            }
            if (body.length == 0) {
                throw new ApiException(new ApiError.InvalidRequest(
                        "The request body is empty; send a JSON object.", null, "invalid_json"));
            }
            return body;
        } catch (IOException e) {
            throw new ApiException(new ApiError.InvalidRequest("Could not read the request body: " + e.getMessage(),
                    null, "invalid_body"));
        }
    }

    private static ApiException tooLarge(int limit) {
        // Whole MiB only when exact: a 64 KiB limit used to read "larger than 0 MiB".
        String size = limit % (1024 * 1024) == 0 ? limit / (1024 * 1024) + " MiB"
                : limit % 1024 == 0 ? limit / 1024 + " KiB" : limit + " bytes";
        return new ApiException(new ApiError.PayloadTooLarge("The request body is larger than " + size
                + ", the limit of this server. Send a shorter prompt (or ask the operator to raise --max-body)."));
    }
}
