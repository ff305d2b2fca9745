package io.kiban.bench.workload;

/**
 * Deterministic filler prompts of a given length, for trace replay. Every word is a common English word of at most
 * four letters, so the text is exactly {@code n} tokens for the Kiban simulator's tokenizer and close to {@code n}
 * for BPE tokenizers (about one token per short word).
 *
 * <p>Block mode builds a prompt from a trace's {@code hash_ids}: block {@code h} is always the same 512 words, so
 * prompts that share leading hash ids share a real text prefix, and a gateway's or simulator's prefix cache sees the
 * reuse the trace recorded.
 */
public final class FillerText {
    static final String[] WORDS = {
        "time", "year", "day", "way", "man", "work", "life", "hand", "part", "eye", "week", "case", "fact", "home",
        "word", "side", "kind", "head", "area", "team", "idea", "body", "door", "face", "city", "name", "car", "air",
        "game", "road", "book", "land", "fire", "tree", "rain", "snow", "wind", "sea", "star", "moon", "sun", "bird",
        "fish", "dog", "cat", "song", "tale", "king", "ship", "gold", "iron", "salt", "milk", "corn", "rice", "wood",
        "hill", "lake", "farm", "town", "bell", "lamp", "coat", "rope"};

    private FillerText() {}

    /** {@code n} words chosen from {@code seed}. */
    public static String words(long seed, int n) {
        StringBuilder sb = new StringBuilder(n * 5);
        appendWords(sb, seed, 0, n);
        return sb.toString();
    }

    /** The prompt for a trace row: full 512-word blocks for each hash id, cut to {@code tokens} words in all. */
    public static String blocks(long[] hashIds, int blockTokens, int tokens) {
        StringBuilder sb = new StringBuilder(tokens * 5);
        int left = tokens;
        for (int b = 0; b < hashIds.length && left > 0; b++) {
            int n = Math.min(blockTokens, left);
            appendWords(sb, hashIds[b] * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L, 0, n);
            left -= n;
        }
        if (left > 0) {
            appendWords(sb, tokens * 31L + hashIds.length, 0, left); // rows longer than their blocks
        }
        return sb.toString();
    }

    private static void appendWords(StringBuilder sb, long seed, int from, int n) {
        for (int j = from; j < from + n; j++) {
            if (!sb.isEmpty()) {
                sb.append(' ');
            }
            sb.append(WORDS[(int) Math.floorMod(mix(seed + j), (long) WORDS.length)]);
        }
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
