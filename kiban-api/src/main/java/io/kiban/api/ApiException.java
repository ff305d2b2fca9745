package io.kiban.api;

/** An exception that carries an {@link ApiError}, to be rendered once at the edge into the OpenAI error envelope. */
public final class ApiException extends RuntimeException {
    private final ApiError error;

    public ApiException(ApiError error) {
        super(error.message(), null, false, false);
        this.error = error;
    }

    public ApiError error() {
        return error;
    }
}
