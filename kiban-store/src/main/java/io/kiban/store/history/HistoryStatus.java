package io.kiban.store.history;

import java.util.Locale;

/**
 * How a request ended: answered in full, cut short by the client (the stored response holds what was delivered),
 * or failed (an error status, or the worker died mid-stream).
 */
public enum HistoryStatus {
    COMPLETED,
    INCOMPLETE,
    ERROR;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static HistoryStatus fromWire(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
