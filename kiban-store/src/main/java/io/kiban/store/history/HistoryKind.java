package io.kiban.store.history;

import java.util.Locale;

/** What kind of request a history record is about. */
public enum HistoryKind {
    CHAT,
    COMPLETION,
    EMBEDDING,
    TRANSCRIPTION,
    SPEECH,
    IMAGE;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static HistoryKind fromWire(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
