package io.kiban.api;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;

/**
 * Every error Kiban returns to an API client. Each kind maps to exactly one HTTP status and OpenAI error
 * {@code type} in {@link #status(ApiError)} and {@link #type(ApiError)}; the switches have no default, so a new
 * kind cannot be added without deciding both.
 *
 * <p>Messages say what was wrong and how to fix it. They never contain secrets or another user's data.
 */
public sealed interface ApiError {
    String message();

    /** The request parameter at fault, or null. */
    default String param() {
        return null;
    }

    /** OpenAI's machine-readable {@code code}, or null. */
    String code();

    /** 400: a parameter is missing, has the wrong type, or is out of range. */
    record InvalidRequest(String message, String param, String code) implements ApiError {}

    /** 400: the prompt plus the requested output does not fit the model's context window. */
    record ContextLengthExceeded(String message, String param) implements ApiError {
        public String code() {
            return "context_length_exceeded";
        }
    }

    /** 401: no key, a malformed key, or a key that is unknown, revoked or expired. */
    record Unauthenticated(String message, String code) implements ApiError {}

    /** 403: the key is valid but may not do this. */
    record PermissionDenied(String message, String code) implements ApiError {}

    /** 404: no such model or object (another user's object answers exactly like a missing one). */
    record NotFound(String message, String param, String code) implements ApiError {}

    /** 409: the request conflicts with the current state (an email or name already taken, a revoked key). */
    record Conflict(String message, String param, String code) implements ApiError {}

    /** 405: the path exists but not with this method. */
    record MethodNotAllowed(String message) implements ApiError {
        public String code() {
            return "method_not_allowed";
        }
    }

    /** 413: the request body is larger than the configured limit. */
    record PayloadTooLarge(String message) implements ApiError {
        public String code() {
            return "request_too_large";
        }
    }

    /** 429: a rate limit, a quota, or a full queue; the client should retry after {@code retryAfter}. */
    record RateLimited(String message, String code, Duration retryAfter) implements ApiError {}

    /** 502: the model runtime answered with something that is not a valid response. */
    record BadUpstream(String message) implements ApiError {
        public String code() {
            return "bad_upstream_response";
        }
    }

    /** 503: the model is starting, restarting or has no healthy replica. */
    record ModelUnavailable(String message, String code, Duration retryAfter) implements ApiError {}

    /** 504: the model runtime did not answer in time. */
    record UpstreamTimeout(String message) implements ApiError {
        public String code() {
            return "upstream_timeout";
        }
    }

    /** 500: a bug or an unexpected failure inside Kiban. */
    record Internal(String message) implements ApiError {
        public String code() {
            return "internal_error";
        }
    }

    static int status(ApiError error) {
        return switch (error) {
            case InvalidRequest e -> 400;
            case ContextLengthExceeded e -> 400;
            case Unauthenticated e -> 401;
            case PermissionDenied e -> 403;
            case NotFound e -> 404;
            case MethodNotAllowed e -> 405;
            case Conflict e -> 409;
            case PayloadTooLarge e -> 413;
            case RateLimited e -> 429;
            case Internal e -> 500;
            case BadUpstream e -> 502;
            case ModelUnavailable e -> 503;
            case UpstreamTimeout e -> 504;
        };
    }

    static String type(ApiError error) {
        return switch (error) {
            case InvalidRequest e -> "invalid_request_error";
            case ContextLengthExceeded e -> "invalid_request_error";
            case NotFound e -> "invalid_request_error";
            case MethodNotAllowed e -> "invalid_request_error";
            case Conflict e -> "invalid_request_error";
            case PayloadTooLarge e -> "invalid_request_error";
            case Unauthenticated e -> "authentication_error";
            case PermissionDenied e -> "permission_error";
            case RateLimited e -> "rate_limit_error";
            case Internal e -> "server_error";
            case BadUpstream e -> "server_error";
            case ModelUnavailable e -> "server_error";
            case UpstreamTimeout e -> "server_error";
        };
    }

    /** Seconds for a {@code Retry-After} header, or -1 when the error has none. */
    static long retryAfterSeconds(ApiError error) {
        Duration d = switch (error) {
            case RateLimited e -> e.retryAfter();
            case ModelUnavailable e -> e.retryAfter();
            default -> null;
        };
        return d == null ? -1 : Math.max(1, (d.toMillis() + 999) / 1000);
    }

    /** The OpenAI error envelope: {@code {"error":{"message","type","param","code"}}}. */
    static byte[] envelope(ApiError error) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("message", error.message());
        body.put("type", type(error));
        body.put("param", error.param());
        body.put("code", error.code());
        return Json.MAPPER.writeValueAsString(Map.of("error", body)).getBytes(StandardCharsets.UTF_8);
    }

    // ---- factories for the common cases ----

    static ApiError invalidParam(String param, String message) {
        return new InvalidRequest(message, param, "invalid_value");
    }

    static ApiError missingParam(String param, String message) {
        return new InvalidRequest(message, param, "missing_required_parameter");
    }

    static ApiError unsupportedParam(String param, String message) {
        return new InvalidRequest(message, param, "unsupported_parameter");
    }

    static ApiError modelNotFound(String model) {
        return new NotFound("The model '" + model + "' does not exist or you do not have access to it. "
                + "List the models you can use with GET /v1/models.", "model", "model_not_found");
    }

    static ApiError invalidJson(JacksonException e) {
        TokenStreamLocation loc = e.getLocation();
        String where = loc == null || loc.getLineNr() < 0 ? "" : " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
        String path = e.getPathReference();
        String field = path == null || path.isEmpty() || path.endsWith("[]") ? "" : " (" + path + ")";
        String reason = e.getOriginalMessage();
        if (reason != null && reason.length() > 200) {
            reason = reason.substring(0, 200) + "...";
        }
        return new InvalidRequest("We could not parse the JSON body of your request" + where + field + ": " + reason
                + ". Send a valid JSON object with Content-Type: application/json.", null, "invalid_json");
    }
}
