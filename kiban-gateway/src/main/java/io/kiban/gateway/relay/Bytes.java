package io.kiban.gateway.relay;

import java.nio.charset.StandardCharsets;

/** Byte-level searches used on the hot path, where parsing JSON for every event would cost too much. */
public final class Bytes {
    private Bytes() {}

    public static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Index of {@code needle} in {@code buf[from, to)}, or -1. */
    public static int indexOf(byte[] buf, int from, int to, byte[] needle) {
        int last = to - needle.length;
        byte first = needle[0];
        outer:
        for (int i = from; i <= last; i++) {
            if (buf[i] != first) {
                continue;
            }
            for (int j = 1; j < needle.length; j++) {
                if (buf[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    public static boolean startsWith(byte[] buf, int from, int to, byte[] prefix) {
        if (to - from < prefix.length) {
            return false;
        }
        for (int j = 0; j < prefix.length; j++) {
            if (buf[from + j] != prefix[j]) {
                return false;
            }
        }
        return true;
    }

    private static final byte[] DATA = ascii("data:");
    private static final byte[] NEWLINE = ascii("\n");

    /**
     * Where a server-sent event's first {@code data:} line starts in {@code buf[from, to)}, or -1. Usually at
     * {@code from}; {@code event:}, {@code id:} or comment lines may come first and be of any length.
     */
    public static int dataLine(byte[] buf, int from, int to) {
        int line = from;
        while (line < to) {
            if (startsWith(buf, line, to, DATA)) {
                return line;
            }
            int nl = indexOf(buf, line, to, NEWLINE);
            if (nl < 0) {
                return -1;
            }
            line = nl + 1;
        }
        return -1;
    }

    /** Where the payload of the {@code data:} line at {@code line} starts: after the field name and its spaces. */
    public static int payloadStart(byte[] buf, int line, int to) {
        int payload = line + DATA.length;
        while (payload < to && buf[payload] == ' ') {
            payload++;
        }
        return payload;
    }

    /** The end of an event's payload that starts at {@code payload}: {@code to} without the trailing line breaks. */
    public static int payloadEnd(byte[] buf, int payload, int to) {
        int end = to;
        while (end > payload && (buf[end - 1] == '\n' || buf[end - 1] == '\r')) {
            end--;
        }
        return end;
    }
}
