package io.kiban.gateway;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.api.Json;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * The few request fields the gateway needs, read with a streaming parser that skips everything else (no tree, no
 * objects for messages): the model name, whether to stream, the stream options, and for limits and history the
 * output budget ({@code max_completion_tokens} or {@code max_tokens}), {@code n} and {@code metadata}.
 *
 * <p>The whole body is scanned, so malformed JSON is refused here with a 400 before any model is bothered.
 *
 * @param hasStreamOptions whether the body has a {@code stream_options} field at all (an object or null)
 * @param maxTokens the output budget asked for, or -1 when the request gives none
 * @param choices {@code n}, 1 when absent
 * @param metadata OpenAI {@code metadata}: at most 16 string pairs, keys up to 64 and values up to 512 characters
 *     (refused with a 400 otherwise, as OpenAI does); empty when absent
 */
public record RequestScan(String model, boolean stream, boolean includeUsage, boolean hasStreamOptions, int maxTokens,
        int choices, Map<String, String> metadata) {

    public static RequestScan of(byte[] body) {
        String model = null;
        boolean stream = false;
        boolean includeUsage = false;
        boolean hasStreamOptions = false;
        int maxTokens = -1;
        int maxCompletionTokens = -1;
        int choices = 1;
        Map<String, String> metadata = Map.of();
        if (body.length >= 2 && (body[0] == 0 || body[1] == 0 || ((body[0] & 0xfe) == 0xfe && (body[1] & 0xfe) == 0xfe))) {
            // UTF-16/32 (a zero byte or a BOM up front): Jackson would read it, but upstreamBody splices UTF-8 bytes.
            throw new ApiException(new ApiError.InvalidRequest(
                    "The request body must be JSON encoded as UTF-8.", null, "invalid_json"));
        }
        try (JsonParser p = Json.MAPPER.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new ApiException(new ApiError.InvalidRequest(
                        "The request body must be a JSON object.", null, "invalid_json"));
            }
            JsonToken t;
            int seen = 0;
            while ((t = p.nextToken()) == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                int bit = switch (name) {
                    case "model" -> 1;
                    case "stream" -> 2;
                    case "stream_options" -> 4;
                    default -> 0;
                };
                if ((seen & bit) != 0) {
                    // Parsers disagree on duplicates (first or last wins): the runtime could serve another model than
                    // the one whose access was checked here, or stream without the usage the gateway meters.
                    throw new ApiException(ApiError.invalidParam(name, "'" + name + "' appears more than once in the request body."));
                }
                seen |= bit;
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
                        } else if (v == JsonToken.VALUE_NULL) {
                            hasStreamOptions = true; // present: upstreamBody must replace it, not add a second one
                        } else {
                            throw new ApiException(ApiError.invalidParam("stream_options", "'stream_options' must be an object."));
                        }
                    }
                    case "max_tokens" -> maxTokens = count(p, v, name, maxTokens);
                    case "max_completion_tokens" -> maxCompletionTokens = count(p, v, name, maxCompletionTokens);
                    case "n" -> choices = Math.max(1, count(p, v, name, 1));
                    case "metadata" -> metadata = metadata(p, v);
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
        return new RequestScan(model, stream, includeUsage, hasStreamOptions,
                maxCompletionTokens >= 0 ? maxCompletionTokens : maxTokens, choices, metadata);
    }

    /**
     * A non-negative integer field, or {@code absent} for null. Other types are left for the runtime to refuse
     * with its own message; a number too large for an int counts as "no limit given".
     */
    private static int count(JsonParser p, JsonToken v, String name, int absent) {
        if (v == JsonToken.VALUE_NUMBER_INT) {
            long value = p.getLongValue();
            return value < 0 ? absent : value > Integer.MAX_VALUE ? -1 : (int) value;
        }
        p.skipChildren();
        return absent;
    }

    private static Map<String, String> metadata(JsonParser p, JsonToken v) {
        if (v == JsonToken.VALUE_NULL) {
            return Map.of();
        }
        if (v != JsonToken.START_OBJECT) {
            throw new ApiException(ApiError.invalidParam("metadata", "'metadata' must be an object of string values."));
        }
        Map<String, String> pairs = new LinkedHashMap<>();
        while (p.nextToken() == JsonToken.PROPERTY_NAME) {
            String key = p.currentName();
            if (p.nextToken() != JsonToken.VALUE_STRING) {
                throw new ApiException(ApiError.invalidParam("metadata",
                        "'metadata." + shorten(key) + "' must be a string."));
            }
            String value = p.getString();
            if (key.length() > 64 || value.length() > 512) {
                throw new ApiException(ApiError.invalidParam("metadata", "'metadata' keys may have at most 64 "
                        + "characters and values at most 512 ('" + shorten(key) + "' is longer)."));
            }
            pairs.put(key, value);
            if (pairs.size() > 16) {
                throw new ApiException(ApiError.invalidParam("metadata", "'metadata' may have at most 16 pairs."));
            }
        }
        return Collections.unmodifiableMap(pairs);
    }

    private static String shorten(String s) {
        return s.length() > 64 ? s.substring(0, 64) + "…" : s;
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
        ObjectNode tree = (ObjectNode) EXACT.readTree(body);
        ObjectNode options = tree.get("stream_options") instanceof ObjectNode o ? o : tree.putObject("stream_options");
        options.put("include_usage", true);
        return EXACT.writeValueAsBytes(tree);
    }

    /** Whether the usage-only chunk must be withheld from the client (it was added by {@link #upstreamBody}). */
    public boolean stripUsage() {
        return stream && !includeUsage;
    }

    /**
     * Reads decimals as {@code BigDecimal}: through {@code double}, {@code 0.90000000000000000000001} became
     * {@code 0.9} and {@code 1e400} the string {@code "Infinity"} in the body sent upstream.
     */
    private static final JsonMapper EXACT = Json.MAPPER.rebuild()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    private static final byte[] INSERT = ",\"stream_options\":{\"include_usage\":true}".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] INSERT_FIRST = "\"stream_options\":{\"include_usage\":true}".getBytes(StandardCharsets.US_ASCII);
}
