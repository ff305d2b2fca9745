package io.kiban.bench.workload;

/**
 * The seed's long-document workload: "summarize this" over a long public-domain text, cut so that prompt plus
 * output fit the model's context. The bundled document ({@code shakespeare-excerpt.txt}) is the opening of the
 * public-domain Tiny Shakespeare corpus (about 40,000 characters).
 *
 * <p>The cut is made in characters, from a chars-per-token estimate; {@link #shrunk} gives a shorter variant when the
 * server rejects the prompt as too long (the benchmark probes this once before the run).
 */
public final class SummarizeWorkload implements Workload {
    static final String INSTRUCTION = "Summarize the following text in a few sentences.\n\n";

    private final String document;
    private final int maxTokens;
    private final String prompt;

    /**
     * @param contextTokens the model's context window
     * @param charsPerToken characters per token of the model's tokenizer (3 is safe for BPE tokenizers on English)
     */
    public SummarizeWorkload(String document, int contextTokens, int maxTokens, double charsPerToken) {
        this(document, maxTokens, cut(document, (int) Math.max(200,
                (contextTokens - maxTokens - 64) * charsPerToken - INSTRUCTION.length())));
    }

    private SummarizeWorkload(String document, int maxTokens, String body) {
        this.document = document;
        this.maxTokens = maxTokens;
        this.prompt = INSTRUCTION + body;
    }

    public static SummarizeWorkload bundled(int contextTokens, int maxTokens, double charsPerToken) {
        return new SummarizeWorkload(QaWorkload.Resources.text("shakespeare-excerpt.txt"), contextTokens, maxTokens,
                charsPerToken);
    }

    /** The document cut at a line end before {@code chars} characters (or at {@code chars} if no line end). */
    static String cut(String doc, int chars) {
        if (doc.length() <= chars) {
            return doc;
        }
        int nl = doc.lastIndexOf('\n', chars);
        return doc.substring(0, nl > chars / 2 ? nl : chars);
    }

    /** The same workload with the document cut to {@code factor} of its current length. */
    public SummarizeWorkload shrunk(double factor) {
        String body = prompt.substring(INSTRUCTION.length());
        return new SummarizeWorkload(document, maxTokens, cut(body, (int) (body.length() * factor)));
    }

    public int promptChars() {
        return prompt.length();
    }

    @Override
    public String name() {
        return "summarize";
    }

    @Override
    public Prompt prompt(long i) {
        return new Prompt(prompt, maxTokens, -1);
    }

    @Override
    public long size() {
        return 1;
    }
}
