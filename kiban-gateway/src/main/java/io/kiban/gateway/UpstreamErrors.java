package io.kiban.gateway;

import io.kiban.api.Json;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * What a client may see of a runtime's error response. Runtimes answer errors in several shapes: OpenAI's envelope
 * ({@code {"error":{"message",…}}}: Kiban's workers, llama-server), vLLM's flat object
 * ({@code {"object":"error","message",…}}), a bare {@code {"error":"…"}} (Ollama), and, from a crashed server or a
 * proxy in front of it, HTML pages and stack traces. The first is relayed byte for byte; the flat ones are put into
 * the envelope; anything else, and any message that looks like a stack trace or is unreasonably long, is not
 * relayed at all: the caller answers with its own 502 {@code bad_upstream_response} and logs what came.
 */
final class UpstreamErrors {
    /** Longer messages are not error messages written for API clients. */
    static final int MAX_MESSAGE = 2000;

    private UpstreamErrors() {}

    /** The body to relay for a runtime's error response, or null when it must not be relayed. */
    static byte[] relayable(int status, byte[] body) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(body);
        } catch (RuntimeException notJson) {
            return null;
        }
        if (root == null || !root.isObject()) {
            return null;
        }
        JsonNode error = root.get("error");
        if (error != null && error.isObject()) {
            return clean(error.path("message")) ? body : null;
        }
        JsonNode message = error != null && error.isString() ? error : root.get("message");
        if (!clean(message)) {
            return null;
        }
        JsonNode source = error != null && error.isString() ? root.path("_") : root;
        Map<String, Object> inner = new LinkedHashMap<>();
        inner.put("message", message.asString());
        inner.put("type", scalar(source.get("type"), status == 429 ? "rate_limit_error"
                : status < 500 ? "invalid_request_error" : "server_error"));
        inner.put("param", scalar(source.get("param"), null));
        inner.put("code", scalar(source.get("code"), null));
        return Json.write(Map.of("error", inner));
    }

    private static boolean clean(JsonNode message) {
        if (message == null || !message.isString()) {
            return false;
        }
        String m = message.asString();
        return m.length() <= MAX_MESSAGE && !m.contains("Traceback (most recent call last)") && !m.contains("\n\tat ")
                && !m.contains("Exception in thread");
    }

    private static Object scalar(JsonNode v, Object absent) {
        if (v == null || v.isNull()) {
            return absent;
        }
        if (v.isString()) {
            return v.asString();
        }
        if (v.isIntegralNumber()) {
            return v.asLong();
        }
        return absent;
    }

    /** A short, printable excerpt of a body for the log. */
    static String excerpt(byte[] body) {
        String s = new String(body, 0, Math.min(body.length, 200), java.nio.charset.StandardCharsets.UTF_8);
        return s.replaceAll("\\p{Cntrl}", " ");
    }
}
