package io.kiban.bench.sim;

/**
 * The simulator's deterministic tokenizer: text is split on whitespace, and each word of {@code n} code points counts
 * as {@code ceil(n / 4)} tokens (a word is cut into pieces of at most four code points). Whitespace itself is free.
 *
 * <p>This is roughly what BPE tokenizers give for English (about four characters per token), it is exact and cheap
 * to compute anywhere (a client can predict the simulator's {@code usage} without calling it), and words of at most
 * four characters are exactly one token, which the generated output and the benchmark's filler text rely on.
 */
public final class SimTokenizer {
    /** Code points per token piece. */
    public static final int PIECE = 4;

    private SimTokenizer() {}

    /** The number of tokens in {@code text}. */
    public static int count(CharSequence text) {
        int tokens = 0;
        int run = 0;
        for (int i = 0, n = text.length(); i < n; i++) {
            char c = text.charAt(i);
            if (isSpace(c)) {
                tokens += (run + PIECE - 1) / PIECE;
                run = 0;
            } else if (!Character.isLowSurrogate(c)) {
                run++;
            }
        }
        return tokens + (run + PIECE - 1) / PIECE;
    }

    /**
     * Hashes of the complete blocks of {@code blockTokens} tokens at the start of {@code text}, chained so that
     * block {@code i}'s hash depends on every token before it (two prompts share block {@code i}'s hash only if they
     * share the whole prefix up to the end of that block). A trailing partial block has no hash.
     *
     * @param maxBlocks at most this many hashes are computed
     */
    public static long[] blockHashes(CharSequence text, int blockTokens, int maxBlocks) {
        long[] out = new long[Math.min(maxBlocks, count(text) / blockTokens)];
        if (out.length == 0) {
            return out;
        }
        int filled = 0;
        long h = 0x9E3779B97F4A7C15L;
        int inBlock = 0;
        int piece = 0;
        long pieceHash = 0;
        for (int i = 0, n = text.length(); i <= n && filled < out.length; i++) {
            boolean end = i == n || isSpace(text.charAt(i));
            if (!end) {
                char c = text.charAt(i);
                pieceHash = pieceHash * 31 + c;
                if (!Character.isLowSurrogate(c) && ++piece == PIECE) {
                    end = true; // the piece is full; the word may go on
                }
            }
            if (end && piece > 0) {
                h = mix(h ^ mix(pieceHash + piece));
                piece = 0;
                pieceHash = 0;
                if (++inBlock == blockTokens) {
                    out[filled++] = h;
                    inBlock = 0;
                }
            }
        }
        return out;
    }

    static boolean isSpace(char c) {
        return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == 0x0B || Character.isWhitespace(c);
    }

    /** SplitMix64's finaliser: a cheap, well-mixed 64-bit hash step. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
