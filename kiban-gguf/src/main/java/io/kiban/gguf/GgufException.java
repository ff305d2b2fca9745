package io.kiban.gguf;

import java.io.IOException;

/**
 * A GGUF file that cannot be read: not GGUF, an unsupported version or byte order, or malformed or truncated content.
 *
 * <p>The message says what is wrong and where: the metadata key or tensor index, and the byte offset from the start
 * of the file. It is an {@link IOException} so that callers handle it with the file's other read errors; a missing
 * or unreadable file still gives the plain {@link IOException} subtypes ({@code NoSuchFileException}…).
 */
public class GgufException extends IOException {

    private static final long serialVersionUID = 1L;

    private final String detail;
    private final long offset;
    /** Where in the file's structure, outermost first, e.g. "metadata key 'x': element 2: ". */
    private String context = "";

    /** A problem at a byte offset in the file, which is appended to the message. */
    public GgufException(String message, long offset) {
        super(message);
        this.detail = message;
        this.offset = offset;
    }

    /** A problem with no single location in the file. */
    public GgufException(String message) {
        this(message, -1);
    }

    /** Prefixes the message with where in the file's structure the problem was found, and returns this. */
    GgufException in(String where) {
        context = where + ": " + context;
        return this;
    }

    @Override
    public String getMessage() {
        return context + detail + (offset < 0 ? "" : " (at byte offset " + offset + ")");
    }

    /** The byte offset from the start of the file where the problem was found, or -1 if it has none. */
    public long offset() {
        return offset;
    }
}
