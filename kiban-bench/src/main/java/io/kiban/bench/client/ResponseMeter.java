package io.kiban.bench.client;

import io.kiban.api.Json;
import io.kiban.bench.http.ByteSink;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import tools.jackson.databind.JsonNode;

/**
 * Reads a response body as it arrives and measures it. For a stream it splits server-sent events, stamps each event
 * carrying generated text (content, text or reasoning), records the gaps between them, notes {@code [DONE]}, error
 * events and the usage event; for a plain body it keeps the bytes to read {@code usage} at the end.
 *
 * <p>Events are not parsed as JSON unless they hold {@code "usage"} or {@code "error"}: whether an event carries text
 * is decided by a byte scan ({@link #hasText}), so the meter costs well under a microsecond per chunk.
 */
final class ResponseMeter {
    private static final byte[][] TEXT_KEYS = {
        bytes("content\""), bytes("text\""), bytes("reasoning\""), bytes("reasoning_content\"")};

    private final boolean stream;
    private final boolean parseUsage;
    private final ByteSink line = new ByteSink(1024);
    private final ByteSink body;
    private int[] gaps = new int[64];
    private int gapCount;
    private long firstText;
    private long lastText;
    private int events;
    private boolean done;
    private boolean streamError;
    private int promptTokens = -1;
    private int completionTokens = -1;
    private int cachedTokens;
    private long bytes;

    ResponseMeter(boolean stream, boolean parseUsage) {
        this.stream = stream;
        this.parseUsage = parseUsage;
        this.body = stream || !parseUsage ? null : new ByteSink(1024);
    }

    void onBytes(byte[] b, int off, int len, long now) {
        bytes += len;
        if (!stream) {
            if (body != null) {
                body.append(b, off, len);
            }
            return;
        }
        for (int i = off, end = off + len; i < end; i++) {
            byte c = b[i];
            if (c == '\n') {
                onLine(now);
                line.reset();
            } else if (c != '\r') {
                line.append(c);
            }
        }
    }

    private void onLine(long now) {
        byte[] a = line.array();
        int n = line.length();
        if (n < 5 || a[0] != 'd' || a[1] != 'a' || a[2] != 't' || a[3] != 'a' || a[4] != ':') {
            return;
        }
        int s = 5;
        while (s < n && a[s] == ' ') {
            s++;
        }
        if (n - s == 6 && a[s] == '[' && a[s + 1] == 'D' && a[s + 2] == 'O' && a[s + 3] == 'N' && a[s + 4] == 'E') {
            done = true;
            return;
        }
        if (hasText(a, s, n)) {
            events++;
            if (firstText == 0) {
                firstText = now;
            } else {
                if (gapCount == gaps.length) {
                    gaps = Arrays.copyOf(gaps, gaps.length * 2);
                }
                gaps[gapCount++] = (int) Math.min(Integer.MAX_VALUE, (now - lastText) / 1000);
            }
            lastText = now;
        }
        if (hasObject(a, s, n, USAGE) || (indexOf(a, s, n, ERROR) >= 0 && indexOf(a, s, n, CHOICES) < 0)) {
            readJsonEvent(a, s, n);
        }
    }

    private static final byte[] USAGE = bytes("\"usage\"");
    private static final byte[] ERROR = bytes("\"error\"");
    private static final byte[] CHOICES = bytes("\"choices\"");

    private void readJsonEvent(byte[] a, int s, int n) {
        try {
            JsonNode node = Json.MAPPER.readTree(a, s, n - s);
            if (node.has("error") && !node.has("choices")) {
                streamError = true;
            }
            readUsage(node.get("usage"));
        } catch (RuntimeException e) {
            // not JSON: ignore the event
        }
    }

    private void readUsage(JsonNode usage) {
        if (usage != null && usage.isObject()) {
            promptTokens = usage.path("prompt_tokens").asInt(-1);
            completionTokens = usage.path("completion_tokens").asInt(-1);
            cachedTokens = usage.path("prompt_tokens_details").path("cached_tokens").asInt(0);
        }
    }

    /** Whether an event's JSON has a text field (content/text/reasoning) whose string value is not empty. */
    static boolean hasText(byte[] a, int from, int to) {
        for (byte[] key : TEXT_KEYS) {
            int at = from;
            while ((at = indexOf(a, at, to, key)) >= 0) {
                if (at > from && a[at - 1] != '"') {
                    at += key.length; // a longer key ending the same way, e.g. "reasoning_content" for content"
                    continue;
                }
                int i = at + key.length;
                while (i < to && a[i] == ' ') {
                    i++;
                }
                if (i < to && a[i] == ':') {
                    i++;
                    while (i < to && a[i] == ' ') {
                        i++;
                    }
                    if (i + 1 < to && a[i] == '"' && a[i + 1] != '"') {
                        return true;
                    }
                }
                at = i;
            }
        }
        return false;
    }

    static int indexOf(byte[] a, int from, int to, byte[] key) {
        outer:
        for (int i = from, last = to - key.length; i <= last; i++) {
            for (int j = 0; j < key.length; j++) {
                if (a[i + j] != key[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** The result, given the outcome of the transfer ({@code cut}: the body ended early or could not be read). */
    CallResult finish(int status, long sendNanos, long firstByteNanos, long endNanos, String transferFailure) {
        if (stream && line.length() > 0) {
            onLine(endNanos); // a last event without its newline
        }
        if (!stream && body != null && status == 200) {
            try {
                readUsage(Json.MAPPER.readTree(body.array(), 0, body.length()).get("usage"));
            } catch (RuntimeException e) {
                transferFailure = transferFailure != null ? transferFailure : "bad_json";
            }
        }
        String failure = transferFailure;
        if (failure == null && status != 200) {
            failure = "http_" + status;
        } else if (failure == null && streamError) {
            failure = "stream_error";
        } else if (failure == null && stream && !done) {
            failure = "incomplete";
        }
        boolean usageMissing = completionTokens < 0;
        int completion = usageMissing ? events : completionTokens;
        return new CallResult(status, failure, sendNanos, firstByteNanos, firstText, endNanos, promptTokens, completion,
                cachedTokens, usageMissing && (stream || parseUsage), events, gaps, gapCount, bytes);
    }

    /** Whether {@code key} (a quoted name) occurs with an object value, e.g. {@code "usage": {}} but not null. */
    static boolean hasObject(byte[] a, int from, int to, byte[] key) {
        int at = indexOf(a, from, to, key);
        if (at < 0) {
            return false;
        }
        int i = at + key.length;
        while (i < to && (a[i] == ' ' || a[i] == ':')) {
            i++;
        }
        return i < to && a[i] == '{';
    }
}
