package io.kiban.gateway;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.api.Json;
import java.nio.charset.StandardCharsets;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.node.ObjectNode;

/**
 * The few request fields the gateway needs, read with a streaming parser that skips everything else (no tree, no
 * objects for messages): the model name, whether to stream, and the stream options.
 *
 * <p>The whole body is scanned, so malformed JSON is refused here with a 400 before any model is bothered.
 */
public record RequestScan(String model, boolean stream, boolean includeUsage, boolean hasStreamOptions) {

    public static RequestScan of(byte[] body) {
        String model = null;
        boolean stream = false;
        boolean includeUsage = false;
        boolean hasStreamOptions = false;
        try (JsonParser p = Json.MAPPER.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new ApiException(new ApiError.InvalidRequest(
                        "The request body must be a JSON object.", null, "invalid_json"));
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                switch (name) {
                    case "model" -> {
                        if (v != JsonToken.VALUE_STRING) {
                            throw new ApiException(ApiError.invalidParam("model", "'model' must be a string."));
                        }
                        model = p.getString();
                    }
                    case "stream" -> {
                        if (v == JsonToken.VALUE_TRUE || v == JsonToken.VALUE_FALSE) {
                            stream = v == JsonToken.VALUE_TRUE;
                        } else if (v != JsonToken.VALUE_NULL) {
                            throw new ApiException(ApiError.invalidParam("stream", "'stream' must be true or false."));
                        }
                    }
                    case "stream_options" -> {
                        if (v == JsonToken.START_OBJECT) {
                            hasStreamOptions = true;
                            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                                String opt = p.currentName();
                                JsonToken ov = p.nextToken();
                                if (opt.equals("include_usage")) {
                                    includeUsage = ov == JsonToken.VALUE_TRUE;
                                } else {
                                    p.skipChildren();
                                }
                            }
                        } else if (v != JsonToken.VALUE_NULL) {
                            throw new ApiException(ApiError.invalidParam("stream_options", "'stream_options' must be an object."));
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new ApiException(new ApiError.InvalidRequest(
                        "The request body must be exactly one JSON object.", null, "invalid_json"));
            }
        } catch (JacksonException e) {
            throw new ApiException(ApiError.invalidJson(e));
        }
        if (model == null || model.isEmpty()) {
            throw new ApiException(ApiError.missingParam("model", "You must provide a model parameter."));
        }
        return new RequestScan(model, stream, includeUsage, hasStreamOptions);
    }

    /**
     * The body to send upstream: for a stream whose client did not ask for usage, the same request with
     * {@code stream_options.include_usage} on, so the gateway can meter it (the usage chunk is then not forwarded).
     */
    public byte[] upstreamBody(byte[] body) {
        if (!stream || includeUsage) {
            return body;
        }
        if (!hasStreamOptions) {
            int end = body.length - 1;
            while (end >= 0 && body[end] != '}') {
                end--;
            }
            int before = end - 1;
            while (before >= 0 && Character.isWhitespace(body[before])) {
                before--;
            }
            byte[] insert = (body[before] == '{' ? INSERT_FIRST : INSERT);
            byte[] out = new byte[body.length + insert.length];
            System.arraycopy(body, 0, out, 0, end);
            System.arraycopy(insert, 0, out, end, insert.length);
            System.arraycopy(body, end, out, end + insert.length, body.length - end);
            return out;
        }
        ObjectNode tree = (ObjectNode) Json.MAPPER.readTree(body);
        ((ObjectNode) tree.get("stream_options")).put("include_usage", true);
        return Json.MAPPER.writeValueAsBytes(tree);
    }

    /** Whether the usage-only chunk must be withheld from the client (it was added by {@link #upstreamBody}). */
    public boolean stripUsage() {
        return stream && !includeUsage;
    }

    private static final byte[] INSERT = ",\"stream_options\":{\"include_usage\":true}".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] INSERT_FIRST = "\"stream_options\":{\"include_usage\":true}".getBytes(StandardCharsets.US_ASCII);
}
