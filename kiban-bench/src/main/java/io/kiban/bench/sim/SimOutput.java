package io.kiban.bench.sim;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The simulator's deterministic output: token {@code i} is a word of at most four letters taken from a fixed list at
 * {@code (seed + i) mod 64}, preceded by a space except for the first token. So the output of {@code n} tokens
 * re-tokenizes to exactly {@code n} tokens with {@link SimTokenizer}, and the same request always gets the same text.
 *
 * <p>Stop sequences are honoured on the full text: the output is cut before the earliest match, and the tokens
 * counted are those whose text starts before the cut (the last one possibly cut short).
 */
final class SimOutput {
    static final String[] WORDS = {
        "the", "cat", "sat", "on", "a", "mat", "and", "ran", "far", "sun", "sky", "was", "blue", "then", "it", "came",
        "home", "to", "eat", "some", "warm", "milk", "one", "day", "dog", "saw", "big", "red", "ball", "in", "park",
        "they", "had", "fun", "all", "long", "tree", "bird", "sang", "song", "so", "glad", "we", "went", "out", "for",
        "walk", "by", "lake", "fish", "swam", "near", "boat", "time", "bed", "moon", "rose", "high", "over", "town",
        "good", "is", "at", "end"};

    private static final byte[][] FIRST = new byte[WORDS.length][];
    private static final byte[][] NEXT = new byte[WORDS.length][];

    static {
        for (int i = 0; i < WORDS.length; i++) {
            FIRST[i] = WORDS[i].getBytes(StandardCharsets.US_ASCII);
            NEXT[i] = (" " + WORDS[i]).getBytes(StandardCharsets.US_ASCII);
        }
    }

    private final int tokens;
    private final long seed;
    private final int chunkBytes;
    private final String stoppedText; // non-null only when a stop sequence cut the output
    private final int[] pieceEnds; // with stoppedText: end offset of each token's text

    private SimOutput(int tokens, long seed, int chunkBytes, String stoppedText, int[] pieceEnds) {
        this.tokens = tokens;
        this.seed = seed;
        this.chunkBytes = chunkBytes;
        this.stoppedText = stoppedText;
        this.pieceEnds = pieceEnds;
    }

    /** Plans {@code tokens} tokens, cut at the earliest of {@code stops} if any occurs. */
    static SimOutput plan(int tokens, long seed, int chunkBytes, List<String> stops) {
        if (stops.isEmpty() || tokens == 0) {
            return new SimOutput(tokens, seed, chunkBytes, null, null);
        }
        StringBuilder sb = new StringBuilder(tokens * 5);
        int[] ends = new int[tokens];
        for (int i = 0; i < tokens; i++) {
            appendPiece(sb, i, seed, chunkBytes);
            ends[i] = sb.length();
        }
        int cut = -1;
        for (String s : stops) {
            int at = sb.indexOf(s);
            if (at >= 0 && (cut < 0 || at < cut)) {
                cut = at;
            }
        }
        if (cut < 0) {
            return new SimOutput(tokens, seed, chunkBytes, null, null);
        }
        int n = 0;
        while (n < tokens && (n == 0 ? 0 : ends[n - 1]) < cut) {
            n++;
        }
        return new SimOutput(n, seed, chunkBytes, sb.substring(0, cut), ends);
    }

    private static void appendPiece(StringBuilder sb, int i, long seed, int chunkBytes) {
        int start = sb.length();
        if (i > 0) {
            sb.append(' ');
        }
        sb.append(WORDS[index(seed, i)]);
        while (sb.length() - start < chunkBytes) {
            sb.append('x');
        }
    }

    private static int index(long seed, int i) {
        return (int) Math.floorMod(seed + i, (long) WORDS.length);
    }

    /** Number of tokens in the output. */
    int tokens() {
        return tokens;
    }

    /** Whether a stop sequence ended the output. */
    boolean stopped() {
        return stoppedText != null;
    }

    /** Appends token {@code i}'s text, JSON-safe (the words are plain ASCII letters). */
    void appendPiece(io.kiban.bench.http.ByteSink out, int i) {
        if (stoppedText != null) {
            int start = i == 0 ? 0 : pieceEnds[i - 1];
            int end = Math.min(pieceEnds[i], stoppedText.length());
            out.jsonEscaped(stoppedText.substring(start, end));
            return;
        }
        byte[] w = (i == 0 ? FIRST : NEXT)[index(seed, i)];
        out.append(w);
        for (int pad = w.length; pad < chunkBytes; pad++) {
            out.append((byte) 'x');
        }
    }

    /** Appends the whole text, JSON-safe. */
    void appendAll(io.kiban.bench.http.ByteSink out) {
        if (stoppedText != null) {
            out.jsonEscaped(stoppedText);
            return;
        }
        for (int i = 0; i < tokens; i++) {
            appendPiece(out, i);
        }
    }
}
