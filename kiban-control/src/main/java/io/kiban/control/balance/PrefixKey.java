package io.kiban.control.balance;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The prefix-affinity key of an OpenAI request: a 64-bit hash of the opening of its prompt, read straight from the
 * JSON body by a scan that stops as soon as the key is complete.
 *
 * <h2>Implementation notes</h2>
 *
 * <p><b>What "prefix" means.</b> Requests should share a key when they share the start of their KV cache, and the
 * turns of one conversation should share a key even though each turn is longer than the last. A stateless hash of
 * "the first K bytes" cannot do both: a first turn shorter than K hashes differently from the second turn, which
 * starts with the whole first turn. So the key is built from the parts of a chat that every later turn repeats
 * verbatim:
 *
 * <ol>
 *   <li>the <em>preamble</em>: the messages before the first {@code user} message (system and developer prompts,
 *       few-shot examples), at most {@code maxBytes} bytes of their content, plus their roles;
 *   <li>the <em>opening</em>: the first {@code user} message, at most {@code maxBytes} bytes of its content.
 * </ol>
 *
 * <p>Later messages never enter the key, so every turn of a conversation maps to the same replica, and two
 * conversations that differ only after a shared system prompt still spread (a long system prompt cannot swallow the
 * budget of the opening). For {@code prompt} (completions) and a plain-string {@code input} there is no structure:
 * the key is the first {@code maxBytes} bytes, so a growing prompt keeps its key once its first turn is at least that
 * long. {@code input} as an array is treated like {@code messages}. Content parts (text, image URLs) contribute their
 * string values in order.
 *
 * <p><b>Bytes, not characters.</b> The hash covers the raw JSON bytes between the quotes, escapes included: equal
 * prompts serialised by the same client hash alike, and nothing is decoded or allocated. A client that escapes
 * differently from one request to the next (rare) only loses affinity.
 *
 * <p><b>Cost.</b> The scan reads the top-level keys until it meets {@code messages}, {@code prompt} or {@code input}
 * (skipping other values, e.g. {@code tools}, by bracket counting), then at most about {@code 2 × maxBytes} bytes of
 * content. It finds string ends eight bytes at a time (a SWAR search for {@code "}, then a look back for an odd run
 * of backslashes) and hashes eight bytes per step in two lanes, so the work is bounded by the preamble's length plus {@code maxBytes}, however long the prompt.
 * One small scanner object is allocated per call.
 *
 * <p><b>Hash.</b> A multiply–rotate chain over little-endian 64-bit words, with each segment's length and each role
 * mixed in, finished by the SplitMix64 finaliser. It is stable across processes and JVMs (no per-process seed), so
 * several gateways agree on the replica for a prefix. It is not meant to resist deliberate collisions; bounded load
 * keeps a flood of one key from overloading a replica.
 */
final class PrefixKey {

    /** The key of a request without prompt text. */
    static final long NONE = 0;

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101010101010101L;
    private static final long HIGHS = 0x8080808080808080L;
    private static final long QUOTES = 0x2222222222222222L;
    private static final long SEED = 0x6B69626172A11CE5L;

    private static final byte[] MESSAGES = ascii("messages");
    private static final byte[] PROMPT = ascii("prompt");
    private static final byte[] INPUT = ascii("input");
    private static final byte[] ROLE = ascii("role");
    private static final byte[] CONTENT = ascii("content");
    private static final byte[] USER = ascii("user");

    /** Nesting deeper than this inside a prompt value is skipped, not hashed (and cannot overflow the stack). */
    private static final int MAX_DEPTH = 16;
    /** Returned by the scanning methods for a body that is not the JSON they expect. */
    private static final int BAD = -1;
    /** Returned when the key is complete and the scan can stop. */
    private static final int DONE = -2;

    private final byte[] b;
    private final int n;
    private final int maxBytes;
    private long hash = SEED;
    private long contentBytes;
    /** Content bytes the current part (preamble or opening) may still add to the key. */
    private int budget;

    private PrefixKey(byte[] body, int maxBytes) {
        this.b = body;
        this.n = body.length;
        this.maxBytes = maxBytes;
    }

    /**
     * The key of a request body, or {@link #NONE} when it has no prompt text (or is not a JSON object).
     *
     * @param body the request body; null gives {@link #NONE}
     * @param maxBytes the most content bytes taken from the preamble and from the opening, each
     */
    static long of(byte[] body, int maxBytes) {
        if (body == null || body.length == 0) {
            return NONE;
        }
        var scan = new PrefixKey(body, maxBytes);
        int r = scan.topLevel();
        if (r == BAD || scan.contentBytes == 0) {
            return NONE;
        }
        long h = finish(scan.hash);
        return h == NONE ? 1 : h;
    }

    /** The hash of an arbitrary string's UTF-8 bytes, e.g. a replica id for the ring. */
    static long ofText(byte[] bytes, long salt) {
        var k = new PrefixKey(bytes, Integer.MAX_VALUE);
        k.hash = SEED ^ salt * 0x9E3779B97F4A7C15L;
        k.mix(bytes, 0, bytes.length);
        return finish(k.hash);
    }

    // ---- JSON structure -------------------------------------------------------------------------------------------

    private int topLevel() {
        int i = ws(0);
        if (i >= n || b[i] != '{') {
            return BAD;
        }
        i = ws(i + 1);
        while (i < n && b[i] != '}') {
            int keyStart = i + 1;
            int keyEnd = b[i] == '"' ? stringEnd(i) : BAD;
            if (keyEnd < 0 || (i = memberValue(keyEnd)) < 0) {
                return BAD;
            }
            if (is(keyStart, keyEnd, MESSAGES) || is(keyStart, keyEnd, INPUT) && b[i] == '[') {
                return conversation(i);
            } else if (is(keyStart, keyEnd, PROMPT) || is(keyStart, keyEnd, INPUT)) {
                budget = maxBytes;
                return leaves(i, 0);
            }
            i = skipValue(i);
            if (i < 0 || (i = next(i, (byte) '}')) < 0) {
                return BAD;
            }
        }
        return 0; // no prompt in this body
    }

    /** Where an object member's value starts, after its key's closing quote at {@code keyEnd} and the colon; or BAD. */
    private int memberValue(int keyEnd) {
        int i = ws(keyEnd + 1);
        if (i >= n || b[i] != ':') {
            return BAD;
        }
        i = ws(i + 1);
        return i < n ? i : BAD;
    }

    /** A {@code messages} array: the preamble, then the first user message; stops after it. */
    private int conversation(int i) {
        if (b[i] != '[') {
            return BAD;
        }
        budget = maxBytes;
        i = ws(i + 1);
        while (i < n && b[i] != ']') {
            if (b[i] == '{') {
                i = message(i);
                if (i < 0) {
                    return i;
                }
            } else {
                // a bare string or token array in an input list: part of the opening
                int r = leaves(i, 0);
                if (r < 0) {
                    return r;
                }
                i = r;
            }
            if ((i = next(i, (byte) ']')) < 0) {
                return BAD;
            }
        }
        return i < n ? i + 1 : BAD;
    }

    /**
     * One message object. Its content is fed once its role is known: at once when {@code role} comes first (the usual
     * order, which lets a long opening be cut short without scanning it), else after the object.
     *
     * @return the index after the object, {@link #DONE} after the first user message, or {@link #BAD}
     */
    private int message(int i) {
        int roleStart = -1;
        int roleEnd = -1;
        int contentAt = -1;
        boolean contentFed = false;
        i = ws(i + 1);
        while (i < n && b[i] != '}') {
            int keyStart = i + 1;
            int keyEnd = b[i] == '"' ? stringEnd(i) : BAD;
            if (keyEnd < 0 || (i = memberValue(keyEnd)) < 0) {
                return BAD;
            }
            if (is(keyStart, keyEnd, ROLE) && b[i] == '"') {
                roleStart = i + 1;
                roleEnd = stringEnd(i);
                if (roleEnd < 0) {
                    return BAD;
                }
                i = roleEnd + 1;
            } else if (is(keyStart, keyEnd, CONTENT) && roleStart >= 0) {
                startPart(roleStart, roleEnd);
                int r = leaves(i, 0);
                if (r == BAD) {
                    return BAD;
                }
                if (r == DONE && is(roleStart, roleEnd, USER)) {
                    endMessage(roleStart, roleEnd);
                    return DONE; // the opening is complete: nothing after it matters
                }
                contentFed = true;
                i = r == DONE ? skipValue(i) : r;
            } else {
                if (is(keyStart, keyEnd, CONTENT)) {
                    contentAt = i;
                }
                i = skipValue(i);
            }
            if (i < 0 || (i = next(i, (byte) '}')) < 0) {
                return BAD;
            }
        }
        if (i >= n) {
            return BAD;
        }
        if (contentAt >= 0 && !contentFed) {
            startPart(roleStart, roleEnd);
            if (leaves(contentAt, 0) == BAD) {
                return BAD;
            }
        }
        endMessage(roleStart, roleEnd);
        return roleStart >= 0 && is(roleStart, roleEnd, USER) ? DONE : i + 1;
    }

    /** Mixes in the role after a message's content (whatever the key order), then a message boundary. */
    private void endMessage(int roleStart, int roleEnd) {
        if (roleStart >= 0) {
            mix(b, roleStart, roleEnd); // the role is part of the prefix the engine caches
        }
        hash = round(hash, 0x7F);
    }

    /** Resets the budget when the first user message starts: the opening gets its own {@code maxBytes}. */
    private void startPart(int roleStart, int roleEnd) {
        if (roleStart >= 0 && is(roleStart, roleEnd, USER)) {
            budget = maxBytes;
        }
    }

    /**
     * Feeds the string and number leaves of one value (not object keys) into the hash, while the budget lasts.
     *
     * @return the index after the value, {@link #DONE} when the budget ran out inside it, or {@link #BAD}
     */
    private int leaves(int i, int depth) {
        byte c = b[i];
        if (c == '"') {
            return feedString(i);
        }
        if ((c == '[' || c == '{') && depth >= MAX_DEPTH) {
            return skipValue(i);
        }
        if (c == '[' || c == '{') {
            boolean object = c == '{';
            i = ws(i + 1);
            while (i < n && b[i] != (object ? '}' : ']')) {
                if (object) { // skip the key
                    int keyEnd = b[i] == '"' ? stringEnd(i) : BAD;
                    if (keyEnd < 0) {
                        return BAD;
                    }
                    i = ws(keyEnd + 1);
                    if (i >= n || b[i] != ':') {
                        return BAD;
                    }
                    i = ws(i + 1);
                    if (i >= n) {
                        return BAD;
                    }
                }
                i = leaves(i, depth + 1);
                if (i < 0) {
                    return i;
                }
                if ((i = next(i, object ? (byte) '}' : (byte) ']')) < 0) {
                    return BAD;
                }
            }
            return i < n ? i + 1 : BAD;
        }
        int end = skipLiteral(i);
        if (c == '-' || (c >= '0' && c <= '9')) { // token ids in a prompt array
            return feed(i, end) ? DONE : end;
        }
        return end;
    }

    /** Feeds a string's raw bytes; finds its end only within the budget, so a long string costs at most the budget. */
    private int feedString(int i) {
        int start = i + 1;
        int limit = (int) Math.min(n, (long) start + budget);
        int j = start;
        while (true) {
            int k = findQuote(j, limit);
            if (k < 0) { // no end within the budget
                if (limit < n) {
                    feed(start, limit);
                    return DONE;
                }
                return BAD; // unterminated string
            }
            if (!escaped(k, start)) {
                return feed(start, k) ? DONE : k + 1;
            }
            j = k + 1;
        }
    }

    /** Adds content bytes to the hash within the budget; true when the budget is spent. */
    private boolean feed(int from, int to) {
        int len = Math.min(to - from, budget);
        if (len > 0) {
            mix(b, from, from + len);
            contentBytes += len;
            budget -= len;
        }
        return budget <= 0;
    }

    // ---- scanning -------------------------------------------------------------------------------------------------

    /**
     * After a value inside an object or array: the index after a following comma, or of the {@code closer}; {@link
     * #BAD} for anything else. Every loop over members goes through here, so each turn makes progress.
     */
    private int next(int i, byte closer) {
        i = ws(i);
        if (i < n && b[i] == ',') {
            return ws(i + 1);
        }
        return i < n && b[i] == closer ? i : BAD;
    }

    private int ws(int i) {
        while (i < n) {
            byte c = b[i];
            if (c != ' ' && c != '\n' && c != '\r' && c != '\t') {
                break;
            }
            i++;
        }
        return i;
    }

    /** The index of the quote closing the string that opens at {@code i}, or -1. */
    private int stringEnd(int i) {
        int j = i + 1;
        while (true) {
            int k = findQuote(j, n);
            if (k < 0 || !escaped(k, i + 1)) {
                return k;
            }
            j = k + 1;
        }
    }

    /** Whether the quote at {@code k} is escaped: preceded by an odd run of backslashes (not before {@code start}). */
    private boolean escaped(int k, int start) {
        int run = 0;
        while (k - run - 1 >= start && b[k - run - 1] == '\\') {
            run++;
        }
        return (run & 1) == 1;
    }

    /** The index after the value at {@code i}, or -1 when it is cut off. */
    private int skipValue(int i) {
        byte c = b[i];
        if (c == '"') {
            int e = stringEnd(i);
            return e < 0 ? -1 : e + 1;
        }
        if (c != '{' && c != '[') {
            return skipLiteral(i);
        }
        int depth = 0;
        while (i < n) {
            c = b[i];
            if (c == '"') {
                i = stringEnd(i);
                if (i < 0) {
                    return -1;
                }
            } else if (c == '{' || c == '[') {
                depth++;
            } else if ((c == '}' || c == ']') && --depth == 0) {
                return i + 1;
            }
            i++;
        }
        return -1;
    }

    private int skipLiteral(int i) {
        while (i < n) {
            byte c = b[i];
            if (c == ',' || c == '}' || c == ']' || c == ' ' || c == '\n' || c == '\r' || c == '\t') {
                break;
            }
            i++;
        }
        return i;
    }

    /** The first index in {@code [from, to)} holding a quote, or -1; eight bytes per step (SWAR). */
    private int findQuote(int from, int to) {
        int i = from;
        for (; i + 16 <= to; i += 16) { // two independent words per step
            long q1 = (long) LONGS.get(b, i) ^ QUOTES;
            long q2 = (long) LONGS.get(b, i + 8) ^ QUOTES;
            // a byte of q is zero where the word holds a quote; the lowest flagged byte is exact
            long m1 = (q1 - ONES) & ~q1 & HIGHS;
            long m2 = (q2 - ONES) & ~q2 & HIGHS;
            if ((m1 | m2) != 0) {
                return m1 != 0 ? i + (Long.numberOfTrailingZeros(m1) >>> 3)
                        : i + 8 + (Long.numberOfTrailingZeros(m2) >>> 3);
            }
        }
        for (; i + 8 <= to; i += 8) {
            long q = (long) LONGS.get(b, i) ^ QUOTES;
            long m = (q - ONES) & ~q & HIGHS;
            if (m != 0) {
                return i + (Long.numberOfTrailingZeros(m) >>> 3);
            }
        }
        for (; i < to; i++) {
            if (b[i] == '"') {
                return i;
            }
        }
        return -1;
    }

    private boolean is(int from, int to, byte[] word) {
        return Arrays.equals(b, from, to, word, 0, word.length);
    }

    // ---- hashing --------------------------------------------------------------------------------------------------

    /** Hashes bytes as little-endian words in two interleaved lanes (twice the throughput of one chain). */
    private void mix(byte[] bytes, int from, int to) {
        long x = hash;
        long y = ~hash;
        int i = from;
        for (; i + 16 <= to; i += 16) {
            x = round(x, (long) LONGS.get(bytes, i));
            y = round(y, (long) LONGS.get(bytes, i + 8));
        }
        if (i + 8 <= to) {
            x = round(x, (long) LONGS.get(bytes, i));
            i += 8;
        }
        long tail = 0;
        for (int shift = 0; i < to; i++, shift += 8) {
            tail |= (bytes[i] & 0xFFL) << shift;
        }
        x = round(round(x, tail), y);
        hash = round(x, to - from);
    }

    private static long round(long x, long word) {
        x ^= word * 0x9E3779B97F4A7C15L;
        return Long.rotateLeft(x, 29) * 0xBF58476D1CE4E5B9L;
    }

    /** The SplitMix64 finaliser: every input bit affects every output bit. */
    private static long finish(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
