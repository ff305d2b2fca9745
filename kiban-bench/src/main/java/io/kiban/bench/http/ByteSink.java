package io.kiban.bench.http;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable byte buffer for building HTTP messages and JSON without intermediate strings. Not thread-safe; each
 * connection owns one and reuses it.
 */
public final class ByteSink {
    private byte[] buf;
    private int len;

    public ByteSink(int initialCapacity) {
        buf = new byte[Math.max(16, initialCapacity)];
    }

    public byte[] array() {
        return buf;
    }

    public int length() {
        return len;
    }

    public void reset() {
        len = 0;
    }

    /** Shrinks the length back to {@code newLength} (used to drop a partially written piece). */
    public void truncate(int newLength) {
        len = newLength;
    }

    public byte[] toByteArray() {
        return Arrays.copyOf(buf, len);
    }

    private void ensure(int extra) {
        if (len + extra > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
        }
    }

    public ByteSink append(byte[] b) {
        return append(b, 0, b.length);
    }

    public ByteSink append(byte[] b, int off, int n) {
        ensure(n);
        System.arraycopy(b, off, buf, len, n);
        len += n;
        return this;
    }

    public ByteSink append(byte b) {
        ensure(1);
        buf[len++] = b;
        return this;
    }

    /** Appends ASCII text; characters above 0x7F must not occur (use {@link #appendUtf8}). */
    public ByteSink ascii(String s) {
        int n = s.length();
        ensure(n);
        byte[] b = buf;
        int at = len;
        for (int i = 0; i < n; i++) {
            b[at + i] = (byte) s.charAt(i);
        }
        len += n;
        return this;
    }

    public ByteSink appendUtf8(String s) {
        return append(s.getBytes(StandardCharsets.UTF_8));
    }

    public ByteSink decimal(long v) {
        if (v == 0) {
            return append((byte) '0');
        }
        if (v < 0) {
            if (v == Long.MIN_VALUE) {
                return ascii(Long.toString(v));
            }
            append((byte) '-');
            v = -v;
        }
        int digits = 0;
        for (long t = v; t > 0; t /= 10) {
            digits++;
        }
        ensure(digits);
        for (int i = len + digits - 1; i >= len; i--) {
            buf[i] = (byte) ('0' + (v % 10));
            v /= 10;
        }
        len += digits;
        return this;
    }

    public ByteSink hex(int v) {
        return ascii(Integer.toHexString(v));
    }

    /** Appends {@code s} as the inside of a JSON string (without quotes), escaping as RFC 8259 requires. */
    public ByteSink jsonEscaped(String s) {
        int n = s.length();
        boolean plain = true;
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\' || c > 0x7E) {
                plain = false;
                break;
            }
        }
        if (plain) {
            return ascii(s);
        }
        StringBuilder sb = new StringBuilder(n + 16);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return appendUtf8(sb.toString());
    }

    @Override
    public String toString() {
        return new String(buf, 0, len, StandardCharsets.UTF_8);
    }
}
