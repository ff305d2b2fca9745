package io.kiban.gateway.relay;

import io.kiban.api.Json;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/**
 * Watches a relayed chat or completion stream: the time of the first generated text, the usage chunk (withheld from
 * the client when only the gateway asked for it), the response id, whether it ended with {@code [DONE]} or an error
 * event, the number of events that carried text (what a stream cut short is billed for), and, when history needs
 * it, the assembled text and finish reason of each choice.
 *
 * <p>Cost per event: a few byte searches; full JSON parsing only for the first event (id) and the usage event.
 * Assembling text for history reads the usual one-choice event ({@code "index":N}, a {@code "content"} or
 * {@code "text"} string without escapes, {@code "finish_reason"}) with byte searches too, and parses the event as
 * JSON only when it looks any different (escapes, several choices, tool calls): measured, a Jackson parse per
 * event was most of what recording a stream's text cost.
 */
public final class StreamObserver implements SseInspector {
    private static final byte[] DONE = Bytes.ascii("[DONE]");
    private static final byte[] USAGE = Bytes.ascii("\"usage\"");
    private static final byte[] ERROR = Bytes.ascii("{\"error\"");
    private static final byte[] CONTENT = Bytes.ascii("\"content\"");
    private static final byte[] TEXT = Bytes.ascii("\"text\"");
    // Compact forms, for the byte-search fast path of text assembly; anything else takes the parser.
    private static final byte[] CONTENT_VALUE = Bytes.ascii("\"content\":\"");
    private static final byte[] TEXT_VALUE = Bytes.ascii("\"text\":\"");
    private static final byte[] INDEX = Bytes.ascii("\"index\":");
    private static final byte[] FINISH = Bytes.ascii("\"finish_reason\":\"");
    private static final byte[] TOOL_CALLS = Bytes.ascii("\"tool_calls\"");

    private final boolean stripUsage;
    private final boolean assemble;
    private final long startNanos;

    private long firstTokenNanos = -1;
    private String id;
    private int promptTokens = -1;
    private int completionTokens = -1;
    private boolean done;
    private boolean error;
    private int events;
    private int textEvents;
    private final List<StringBuilder> texts = new ArrayList<>(1);
    private final List<String> finishReasons = new ArrayList<>(1);

    public StreamObserver(long startNanos, boolean stripUsage, boolean assemble) {
        this.startNanos = startNanos;
        this.stripUsage = stripUsage;
        this.assemble = assemble;
    }

    @Override
    public boolean onEvent(byte[] buf, int from, int to) {
        int data = Bytes.dataLine(buf, from, to);
        if (data < 0) {
            return true; // a comment or another field: pass it on
        }
        int payload = Bytes.payloadStart(buf, data, to);
        int end = Bytes.payloadEnd(buf, payload, to);
        if (Bytes.startsWith(buf, payload, end, DONE)) {
            done = true;
            return true;
        }
        events++;
        if (Bytes.startsWith(buf, payload, end, ERROR)) {
            error = true;
            return true;
        }
        if (id == null || (assemble && !assembleFast(buf, payload, end))) {
            parse(buf, payload, end);
        }
        if (hasText(buf, payload, end, CONTENT) || hasText(buf, payload, end, TEXT)) {
            textEvents++;
            if (firstTokenNanos < 0) {
                firstTokenNanos = System.nanoTime() - startNanos;
            }
        }
        if (hasObject(buf, payload, end, USAGE)) {
            boolean usageOnly = readUsage(buf, payload, end);
            return !(stripUsage && usageOnly);
        }
        return true;
    }


    /** Whether some {@code "field": "…"} has a non-empty string value. */
    private static boolean hasText(byte[] buf, int from, int to, byte[] field) {
        for (int at = Bytes.indexOf(buf, from, to, field); at >= 0; at = Bytes.indexOf(buf, at + 1, to, field)) {
            int v = valueStart(buf, at + field.length, to);
            if (v >= 0 && buf[v] == '"' && v + 1 < to && buf[v + 1] != '"') {
                return true;
            }
        }
        return false;
    }

    /** Whether some {@code "field": {…}} has an object value. */
    private static boolean hasObject(byte[] buf, int from, int to, byte[] field) {
        for (int at = Bytes.indexOf(buf, from, to, field); at >= 0; at = Bytes.indexOf(buf, at + 1, to, field)) {
            int v = valueStart(buf, at + field.length, to);
            if (v >= 0 && buf[v] == '{') {
                return true;
            }
        }
        return false;
    }

    /**
     * The index of the value after a quoted name ending at {@code i}, or -1 when no colon follows. Whitespace is
     * allowed around the colon: not every runtime writes compact JSON (Python's {@code json.dumps} writes ": ").
     */
    private static int valueStart(byte[] buf, int i, int to) {
        while (i < to && (buf[i] == ' ' || buf[i] == '\t')) {
            i++;
        }
        if (i >= to || buf[i] != ':') {
            return -1;
        }
        i++;
        while (i < to && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r' || buf[i] == '\n')) {
            i++;
        }
        return i < to ? i : -1;
    }

    /** Reads the usage object; returns true when the event has no choices (a usage-only chunk). */
    private boolean readUsage(byte[] buf, int from, int to) {
        boolean choices = false;
        try (JsonParser p = Json.MAPPER.createParser(buf, from, to - from)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return false;
            }
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (name.equals("usage") && v == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                        String field = p.currentName();
                        JsonToken fv = p.nextToken();
                        if (fv == JsonToken.VALUE_NUMBER_INT && field.equals("prompt_tokens")) {
                            promptTokens = p.getIntValue();
                        } else if (fv == JsonToken.VALUE_NUMBER_INT && field.equals("completion_tokens")) {
                            completionTokens = p.getIntValue();
                        } else {
                            p.skipChildren();
                        }
                    }
                } else if (name.equals("choices") && v == JsonToken.START_ARRAY) {
                    choices = p.nextToken() != JsonToken.END_ARRAY;
                    if (choices) {
                        p.skipChildren();
                        while (p.nextToken() != JsonToken.END_ARRAY) {
                            p.skipChildren();
                        }
                    }
                } else {
                    p.skipChildren();
                }
            }
        } catch (RuntimeException malformed) {
            return false; // not ours to judge: forward it as it is
        }
        return !choices;
    }

    /** Reads the id and, when assembling, each choice's new text ({@code delta.content} or {@code text}). */
    private void parse(byte[] buf, int from, int to) {
        try (JsonParser p = Json.MAPPER.createParser(buf, from, to - from)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return;
            }
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (name.equals("id") && v == JsonToken.VALUE_STRING) {
                    if (id == null) {
                        id = p.getString();
                    }
                } else if (assemble && name.equals("choices") && v == JsonToken.START_ARRAY) {
                    while (p.nextToken() == JsonToken.START_OBJECT) {
                        readChoice(p);
                    }
                } else {
                    p.skipChildren();
                }
            }
        } catch (RuntimeException malformed) {
            // Forwarded as it is; the client sees what the runtime sent.
        }
    }

    /**
     * Adds the text and finish reason of an event with one choice and plain strings, read with byte searches; false
     * (nothing added) when the event needs a real parse.
     */
    private boolean assembleFast(byte[] buf, int from, int to) {
        int index = Bytes.indexOf(buf, from, to, INDEX);
        if (index < 0) {
            // No choice in this event (a usage-only chunk) unless it carries text some other way: then parse.
            return Bytes.indexOf(buf, from, to, CONTENT) < 0 && Bytes.indexOf(buf, from, to, TEXT) < 0;
        }
        if (Bytes.indexOf(buf, index + INDEX.length, to, INDEX) >= 0 || Bytes.indexOf(buf, from, to, TOOL_CALLS) >= 0) {
            return false;
        }
        int i = index + INDEX.length;
        int choice = 0;
        int digits = 0;
        while (i < to && buf[i] >= '0' && buf[i] <= '9' && digits < 4) {
            choice = choice * 10 + (buf[i++] - '0');
            digits++;
        }
        if (digits == 0 || digits == 4 || choice >= 128) {
            return false;
        }
        String text = null;
        int field = Bytes.indexOf(buf, from, to, CONTENT_VALUE);
        int start = field >= 0 ? field + CONTENT_VALUE.length : -1;
        if (field < 0 && (field = Bytes.indexOf(buf, from, to, TEXT_VALUE)) >= 0) {
            start = field + TEXT_VALUE.length;
        }
        if (start < 0 && (Bytes.indexOf(buf, from, to, CONTENT) >= 0 || Bytes.indexOf(buf, from, to, TEXT) >= 0)) {
            return false; // a text field in a form the byte search does not read (spacing, null): parse
        }
        if (start >= 0) {
            int close = plainStringEnd(buf, start, to);
            if (close < 0) {
                return false;
            }
            text = new String(buf, start, close - start, java.nio.charset.StandardCharsets.UTF_8);
        }
        String finish = null;
        int f = Bytes.indexOf(buf, from, to, FINISH);
        if (f >= 0) {
            int close = plainStringEnd(buf, f + FINISH.length, to);
            if (close < 0) {
                return false;
            }
            finish = new String(buf, f + FINISH.length, close - f - FINISH.length, java.nio.charset.StandardCharsets.US_ASCII);
        }
        add(choice, text, finish);
        return true;
    }

    /** The index of the closing quote of a JSON string starting at {@code from}, or -1 if it has escapes. */
    private static int plainStringEnd(byte[] buf, int from, int to) {
        for (int i = from; i < to; i++) {
            if (buf[i] == '"') {
                return i;
            }
            if (buf[i] == '\\') {
                return -1;
            }
        }
        return -1;
    }

    private void readChoice(JsonParser p) {
        int index = 0;
        String text = null;
        String finish = null;
        while (p.nextToken() == JsonToken.PROPERTY_NAME) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            if (name.equals("index") && v == JsonToken.VALUE_NUMBER_INT) {
                index = p.getIntValue();
            } else if (name.equals("finish_reason") && v == JsonToken.VALUE_STRING) {
                finish = p.getString();
            } else if (name.equals("text") && v == JsonToken.VALUE_STRING) {
                text = p.getString();
            } else if (name.equals("delta") && v == JsonToken.START_OBJECT) {
                while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                    String field = p.currentName();
                    JsonToken fv = p.nextToken();
                    if (field.equals("content") && fv == JsonToken.VALUE_STRING) {
                        text = p.getString();
                    } else {
                        p.skipChildren();
                    }
                }
            } else {
                p.skipChildren();
            }
        }
        add(index, text, finish);
    }

    private void add(int index, String text, String finish) {
        if ((text != null || finish != null) && index >= 0 && index < 128) {
            while (texts.size() <= index) {
                texts.add(new StringBuilder());
                finishReasons.add(null);
            }
            if (text != null) {
                texts.get(index).append(text);
            }
            if (finish != null) {
                finishReasons.set(index, finish);
            }
        }
    }

    public long firstTokenNanos() {
        return firstTokenNanos;
    }

    public String id() {
        return id;
    }

    public int promptTokens() {
        return promptTokens;
    }

    public int completionTokens() {
        return completionTokens;
    }

    /** True when the stream ended with {@code data: [DONE]}. */
    public boolean done() {
        return done;
    }

    public boolean error() {
        return error;
    }

    public int events() {
        return events;
    }

    /** Events that carried generated text: the tokens sent, for Kiban's workers (one event per token). */
    public int textEvents() {
        return textEvents;
    }

    /** Each choice's finish reason, by index (null for a choice that had none yet); only when assembling. */
    public List<String> finishReasons() {
        return java.util.Collections.unmodifiableList(new ArrayList<>(finishReasons));
    }

    /** The assembled text of each choice, by index. */
    public List<String> texts() {
        return texts.stream().map(StringBuilder::toString).toList();
    }
}
