package io.kiban.control.backend;

/** A backend could not start a replica. */
public final class BackendException extends Exception {
    public BackendException(String message, Throwable cause) {
        super(message, cause);
    }
}
