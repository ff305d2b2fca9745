package io.kiban.gateway.spi;

import io.kiban.api.ApiError;
import java.util.List;
import java.util.Objects;

/**
 * Thrown by {@link Limiter#reserve} to refuse a request: the error to answer with (429 {@code RateLimited} with
 * the limit's code and a {@code Retry-After}, or 503 when the limit could not be checked) and the
 * {@code x-ratelimit-*} headers to send with it.
 */
public final class LimitExceeded extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient ApiError error;
    private final transient List<String> headers;

    /** @param headers name, value pairs */
    public LimitExceeded(ApiError error, List<String> headers) {
        super(error.message(), null, false, false);
        this.error = Objects.requireNonNull(error, "error");
        this.headers = List.copyOf(headers);
    }

    public ApiError error() {
        return error;
    }

    public List<String> headers() {
        return headers;
    }
}
