package io.kiban.gguf;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The SentencePiece-style vocabulary of {@link TinyLlama}: control and unknown tokens, the 256 byte-fallback
 * tokens, every printable ASCII character, and common English words with all their {@code ▁}-prefixes.
 *
 * <p>Implementation notes. llama.cpp's SPM tokenizer starts from single characters and repeatedly merges the
 * adjacent pair with the best score whose concatenation is a token; it never splits. So a word such as
 * {@code ▁the} is only reachable if {@code ▁t} and {@code ▁th} are tokens too: every prefix of every word is in
 * the vocabulary. Characters that are not tokens (anything outside ASCII) fall back to {@code <0xXX>} byte tokens,
 * which llama.cpp requires to exist for all 256 bytes.
 *
 * <p>Only whole words, four punctuation marks and the newline byte are {@linkplain #generatable generatable}; the
 * rest exist so that any text can be tokenized.
 */
final class TinyVocabulary {

    /** llama.cpp's {@code llama_token_type}, as stored in {@code tokenizer.ggml.token_type}. */
    static final int NORMAL = 1;
    static final int UNKNOWN = 2;
    static final int CONTROL = 3;
    static final int BYTE = 6;

    static final int UNK = 0;
    static final int BOS = 1;
    static final int EOS = 2;
    static final int FIRST_BYTE = 3;
    static final char SPACE = '▁';

    /** Short, common words: what generated text is made of. */
    private static final String WORDS = """
            the a an and or but of to in on at by for with from up down out over under about into
            is was are were be been has had have do did can will would could should may
            i you he she it we they me him her us them my your his its our their this that these those
            there here then now when where what who why how all some no not yes one two three many more
            cat dog bird fish sun moon star tree sky sea rain snow wind day night time year home house
            door road park garden river hill boy girl man woman mom dad friend king queen baby bear fox
            red blue green big small little old new good happy sad warm cold fast slow long soft loud
            go went come came see saw look run ran play jump sit sat walk talk say said eat ate find
            found make made like love want help give take took tell told know think feel sing sleep
            hello world story once upon very much just also again still only ball box book cake food
            water tea milk bread apple song game toy hat bed cup""";

    private static final String PUNCTUATION_TO_GENERATE = ".,!?";

    private final List<String> tokens = new ArrayList<>();
    private final List<Integer> types = new ArrayList<>();
    private final BitSet generatable = new BitSet();

    private TinyVocabulary() {
        add("<unk>", UNKNOWN);
        add("<s>", CONTROL);
        add("</s>", CONTROL);
        for (int b = 0; b < 256; b++) {
            add("<0x" + HexFormat.of().withUpperCase().toHexDigits((byte) b) + ">", BYTE);
        }
        generatable.set(FIRST_BYTE + '\n');
        add(String.valueOf(SPACE), NORMAL);
        for (char c = '!'; c <= '~'; c++) {
            if (PUNCTUATION_TO_GENERATE.indexOf(c) >= 0) {
                generatable.set(tokens.size());
            }
            add(String.valueOf(c), NORMAL);
        }
        Set<String> pieces = new LinkedHashSet<>();
        List<String> words = List.of(WORDS.strip().split("\\s+"));
        for (String word : words) {
            for (int end = 1; end <= word.length(); end++) {
                pieces.add(SPACE + word.substring(0, end));
            }
        }
        for (String piece : pieces) {
            if (words.contains(piece.substring(1))) {
                generatable.set(tokens.size());
            }
            add(piece, NORMAL);
        }
    }

    static TinyVocabulary build() {
        return new TinyVocabulary();
    }

    private void add(String token, int type) {
        tokens.add(token);
        types.add(type);
    }

    int size() {
        return tokens.size();
    }

    List<String> tokens() {
        return List.copyOf(tokens);
    }

    List<Integer> types() {
        return List.copyOf(types);
    }

    /**
     * SentencePiece scores (log-probabilities; higher merges first): 0 for special and byte tokens, then falling by
     * one for each piece, as llama.cpp's own converted vocabularies do.
     */
    List<Float> scores() {
        List<Float> scores = new ArrayList<>(tokens.size());
        int firstPiece = FIRST_BYTE + 256;
        for (int i = 0; i < tokens.size(); i++) {
            scores.add(i < firstPiece ? 0f : (float) -(i - firstPiece));
        }
        return scores;
    }

    /** Whether generation may produce this token: whole words, {@code . , ! ?} and the newline byte. */
    boolean generatable(int token) {
        return generatable.get(token);
    }
}
