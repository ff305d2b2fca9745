package io.kiban.gateway.failover;

import io.kiban.api.Json;
import io.kiban.gateway.relay.Bytes;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * What a client has been sent of a chat or completion stream so far, as far as continuing it elsewhere needs to
 * know: the response's id, {@code created} and {@code model}, the text of choice 0, how many events carried text
 * (one per token for Kiban's workers and vLLM), whether choice 0 has finished, and whether more than one choice was
 * seen. It also notices events that are not what a runtime may send (a {@code data:} payload that is not JSON), so
 * the stream can be ended with an error instead of relaying garbage.
 *
 * <p>Cost per event: one pass of a streaming JSON parser over the event; no tree.
 */
public final class Transcript {
    private static final byte[] DATA = Bytes.ascii("data:");
    private static final byte[] DONE = Bytes.ascii("[DONE]");
    private static final byte[] NEWLINE = Bytes.ascii("\n");

    private String id;
    private long created = -1;
    private String model;
    private final StringBuilder text = new StringBuilder();
    private int textEvents;
    private boolean finished;
    private boolean manyChoices;
    private boolean sawDone;

    /** What one event was. */
    public enum Event { OTHER, TEXT, DONE, ERROR, GARBAGE }

    /** Records one event as the client gets it and says what it was. */
    public Event record(byte[] buf, int from, int to) {
        int payload = payload(buf, from, to);
        if (payload < 0) {
            return Event.OTHER; // a comment or another field
        }
        int end = to;
        while (end > payload && (buf[end - 1] == '\n' || buf[end - 1] == '\r')) {
            end--;
        }
        if (Bytes.startsWith(buf, payload, end, DONE)) {
            sawDone = true;
            return Event.DONE;
        }
        if (end == payload || buf[payload] != '{') {
            return Event.GARBAGE;
        }
        // Parsed into a scratch state and committed only when the whole event parsed: a cut-off event records nothing.
        Scratch e = new Scratch();
        try (JsonParser p = Json.MAPPER.createParser(buf, payload, end - payload)) {
            p.nextToken();
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                switch (name) {
                    case "id" -> e.id = v == JsonToken.VALUE_STRING ? p.getString() : skip(p, null);
                    case "created" -> e.created = v == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : skip(p, -1L);
                    case "model" -> e.model = v == JsonToken.VALUE_STRING ? p.getString() : skip(p, null);
                    case "error" -> {
                        e.error = true;
                        p.skipChildren();
                    }
                    case "choices" -> {
                        if (v == JsonToken.START_ARRAY) {
                            while (p.nextToken() == JsonToken.START_OBJECT) {
                                choice(p, e);
                            }
                        } else {
                            p.skipChildren();
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            if (p.nextToken() != null) {
                return Event.GARBAGE; // more than one JSON value
            }
        } catch (RuntimeException malformed) {
            return Event.GARBAGE;
        }
        if (id == null) {
            id = e.id;
        }
        if (created < 0) {
            created = e.created;
        }
        if (model == null) {
            model = e.model;
        }
        manyChoices |= e.manyChoices;
        finished |= e.finished;
        if (e.piece != null && !e.piece.isEmpty()) {
            text.append(e.piece);
            textEvents++;
        }
        return e.error ? Event.ERROR : e.piece != null && !e.piece.isEmpty() ? Event.TEXT : Event.OTHER;
    }

    private static <T> T skip(JsonParser p, T value) {
        p.skipChildren();
        return value;
    }

    /** What one event says, before it is known to be whole. */
    private static final class Scratch {
        String id;
        long created = -1;
        String model;
        String piece;
        boolean finished;
        boolean manyChoices;
        boolean error;
    }

    /** Reads one choice into the scratch state. */
    private static void choice(JsonParser p, Scratch e) {
        int index = 0;
        String piece = null;
        boolean finish = false;
        while (p.nextToken() == JsonToken.PROPERTY_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "index" -> index = v == JsonToken.VALUE_NUMBER_INT ? p.getIntValue() : skip(p, index);
                case "text" -> piece = v == JsonToken.VALUE_STRING ? p.getString() : skip(p, piece);
                case "finish_reason" -> finish = v == JsonToken.VALUE_STRING || skip(p, false);
                case "delta" -> {
                    if (v == JsonToken.START_OBJECT) {
                        while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                            String field = p.currentName();
                            if (p.nextToken() == JsonToken.VALUE_STRING && field.equals("content")) {
                                piece = p.getString();
                            } else {
                                p.skipChildren();
                            }
                        }
                    } else {
                        p.skipChildren();
                    }
                }
                default -> p.skipChildren();
            }
        }
        if (index != 0) {
            e.manyChoices = true;
        } else {
            e.finished |= finish;
            if (piece != null) {
                e.piece = e.piece == null ? piece : e.piece + piece;
            }
        }
    }

    /** Where the event's first {@code data:} payload starts, or -1 when it has no data line. */
    private static int payload(byte[] buf, int from, int to) {
        int line = from;
        while (line < to) {
            if (Bytes.startsWith(buf, line, to, DATA)) {
                int p = line + DATA.length;
                while (p < to && buf[p] == ' ') {
                    p++;
                }
                return p;
            }
            int nl = Bytes.indexOf(buf, line, to, NEWLINE);
            if (nl < 0) {
                return -1;
            }
            line = nl + 1;
        }
        return -1;
    }

    public String id() {
        return id;
    }

    /** The first event's {@code created}, or -1. */
    public long created() {
        return created;
    }

    public String model() {
        return model;
    }

    /** The text of choice 0 the client has been sent. */
    public String text() {
        return text.toString();
    }

    /** Events that carried text for choice 0: the tokens generated so far, for runtimes that send one per token. */
    public int textEvents() {
        return textEvents;
    }

    /** Whether choice 0 has had its finish reason. */
    public boolean finished() {
        return finished;
    }

    /** Whether a choice other than 0 was seen ({@code n > 1}). */
    public boolean manyChoices() {
        return manyChoices;
    }

    public boolean done() {
        return sawDone;
    }
}
