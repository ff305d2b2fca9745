package io.kiban.gateway.failover;

/**
 * The usage of a stream that was continued on another replica, as one unbroken stream would have reported it.
 *
 * <p>The arithmetic. The continuation's runtime reports {@code P'} prompt tokens (the original prompt plus the text
 * the client already had, re-tokenized) and {@code C'} completion tokens (what it generated). So {@code P' + C'} is
 * exactly the size of the whole exchange, whatever happened before. Its split between prompt and completion:
 * <ul>
 *   <li>{@code prompt} is the original prompt's size {@code P} as the first replica reported it at the start of the
 *       stream (Kiban's workers send {@code x-kiban-prompt-tokens}), which is exact;
 *   <li>when the runtime does not report it (vLLM), {@code P = P' - k}, with {@code k} the text events the client
 *       received before the continuation (one per token for vLLM and Kiban's workers);
 *   <li>{@code completion = P' + C' - P}: the text so far as the continuation tokenized it plus what it generated.
 * </ul>
 * With a worker that reports {@code P} and text that re-tokenizes to the tokens it was generated as, this is exactly
 * the unbroken stream's usage (the failover ITs check it). Negative results from inconsistent runtime reports are
 * clamped to 0.
 *
 * @param promptTokens the original prompt
 * @param completionTokens all generated tokens, before and after the break
 */
public record StitchedUsage(int promptTokens, int completionTokens) {

    /**
     * @param reportedPrompt the original prompt's tokens as the first replica reported them, or -1
     * @param continuationPrompt {@code P'}
     * @param continuationCompletion {@code C'}
     * @param textEventsBefore {@code k}
     */
    public static StitchedUsage of(int reportedPrompt, int continuationPrompt, int continuationCompletion, int textEventsBefore) {
        long total = (long) continuationPrompt + continuationCompletion;
        long prompt = reportedPrompt >= 0 ? reportedPrompt : (long) continuationPrompt - textEventsBefore;
        prompt = Math.clamp(prompt, 0, total);
        return new StitchedUsage((int) prompt, (int) (total - prompt));
    }

    public int totalTokens() {
        return promptTokens + completionTokens;
    }
}
