package io.kiban.gateway.upstream;

import java.io.IOException;

/** The runtime's response breaks HTTP/1.1 framing (status line, header, chunk size): it is not a valid response. */
public final class MalformedResponseException extends IOException {
    MalformedResponseException(String message) {
        super(message);
    }
}
