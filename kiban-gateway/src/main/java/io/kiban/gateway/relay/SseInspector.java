package io.kiban.gateway.relay;

/** Sees each complete server-sent event (bytes {@code [from, to)} of {@code buf}, blank line included). */
@FunctionalInterface
public interface SseInspector {
    /** Returns false to withhold the event from the client. */
    boolean onEvent(byte[] buf, int from, int to);
}
