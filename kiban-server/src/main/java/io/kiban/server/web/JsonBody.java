package io.kiban.server.web;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.api.Json;
import io.kiban.server.tenancy.Change;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;

/**
 * The JSON object body of an admin-API request, read only after the caller is authenticated and checked against an
 * allow-list of field names: an unknown field is a 400 that names it (reliability A4, mass assignment), so no
 * request can set what its handler does not name. Accessors return null for absent fields and answer a wrong type
 * with a 400 naming the field.
 */
final class JsonBody {
    /** Admin requests are small; a larger body is refused before it is buffered. */
    static final int MAX_BYTES = 64 * 1024;

    private final JsonNode node;

    private JsonBody(JsonNode node) {
        this.node = node;
    }

    /** Reads the body (empty counts as {@code {}}) and refuses fields outside {@code allowed}. */
    static JsonBody read(HttpServletRequest req, String... allowed) {
        byte[] bytes = bytes(req);
        JsonNode node = bytes.length == 0 ? Json.MAPPER.createObjectNode() : Json.readTree(bytes);
        if (!node.isObject()) {
            throw new ApiException(new ApiError.InvalidRequest("The body must be a JSON object.", null, "invalid_json"));
        }
        Set<String> names = Set.of(allowed);
        for (String field : node.propertyNames()) {
            if (!names.contains(field)) {
                throw new ApiException(new ApiError.InvalidRequest("Unknown field '" + field + "'. This request accepts: "
                        + String.join(", ", allowed) + ".", field, "unknown_field"));
            }
        }
        return new JsonBody(node);
    }

    boolean has(String field) {
        return node.has(field);
    }

    String string(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isString()) {
            throw wrongType(field, "a string");
        }
        return v.asString();
    }

    /** A field that may be left out but not set to null (PATCH of a required field). */
    String nonNullString(String field) {
        JsonNode v = node.get(field);
        if (v != null && v.isNull()) {
            throw wrongType(field, "a string (it cannot be null)");
        }
        return string(field);
    }

    Boolean bool(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isBoolean()) {
            throw wrongType(field, "true or false");
        }
        return v.asBoolean();
    }

    Long integer(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToLong()) {
            throw wrongType(field, "an integer");
        }
        return v.asLong();
    }

    Integer int32(String field) {
        Long v = integer(field);
        if (v != null && (v > Integer.MAX_VALUE || v < Integer.MIN_VALUE)) {
            throw wrongType(field, "an integer below 2^31");
        }
        return v == null ? null : v.intValue();
    }

    /** Unix seconds, as OpenAI writes times. */
    Instant epochSeconds(String field) {
        Long v = integer(field);
        if (v == null) {
            return null;
        }
        if (v < 0 || v > 253402300799L) {
            throw wrongType(field, "Unix seconds (such as 1767225600 for 2026-01-01)");
        }
        return Instant.ofEpochSecond(v);
    }

    List<String> strings(String field) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isArray()) {
            throw wrongType(field, "an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isString()) {
                throw wrongType(field, "an array of strings");
            }
            out.add(e.asString());
        }
        return out;
    }

    /** A field for a partial update: absent keeps the value, null clears it. */
    <T> Change<T> change(String field, java.util.function.Function<String, T> read) {
        return node.has(field) ? Change.to(read.apply(field)) : Change.keep();
    }

    private static ApiException wrongType(String field, String expected) {
        return new ApiException(ApiError.invalidParam(field, "'" + field + "' must be " + expected + "."));
    }

    private static byte[] bytes(HttpServletRequest req) {
        if (req.getContentLengthLong() > MAX_BYTES) {
            throw tooLarge();
        }
        try (InputStream in = req.getInputStream()) {
            byte[] b = in.readNBytes(MAX_BYTES + 1);
            if (b.length > MAX_BYTES) {
                throw tooLarge();
            }
            return b;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ApiException tooLarge() {
        return new ApiException(new ApiError.PayloadTooLarge("Admin API requests are limited to " + MAX_BYTES / 1024
                + " KiB."));
    }
}
