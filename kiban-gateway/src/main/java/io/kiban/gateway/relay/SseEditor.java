package io.kiban.gateway.relay;

import java.io.IOException;

/**
 * Sees each complete server-sent event (bytes {@code [from, to)} of {@code buf}, blank line included) and decides
 * what the client gets for it: the event as it is, nothing, or other bytes.
 */
@FunctionalInterface
public interface SseEditor {
    /** Returned to withhold an event (compared by identity). */
    byte[] WITHHOLD = new byte[0];

    /**
     * Returns null to forward the event as it is, {@link #WITHHOLD} to drop it, or the bytes to send instead (whole
     * events, blank line included). Throwing stops the relay after the events before this one were forwarded.
     */
    byte[] edit(byte[] buf, int from, int to) throws IOException;
}
