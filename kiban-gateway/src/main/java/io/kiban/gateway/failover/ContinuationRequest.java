package io.kiban.gateway.failover;

import io.kiban.api.Json;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Builds the request that continues a broken stream on another replica: the original request plus the text the
 * client already has, so that the new replica generates only the rest.
 *
 * <ul>
 *   <li>Chat: vLLM's convention, which Kiban's worker implements too: the text so far is appended as an assistant
 *       message (or to the final assistant message when the client was already continuing one), with
 *       {@code "continue_final_message": true, "add_generation_prompt": false}. The runtime renders the template up to
 *       the open assistant turn and appends the text as it is.
 *   <li>Legacy completions: the prompt plus the text so far.
 *   <li>Both: the output budget ({@code max_completion_tokens} or {@code max_tokens}; for legacy completions
 *       OpenAI's default of 16 when absent) less the tokens already generated; streamed, with usage asked for so
 *       the stitched stream's usage can be computed ({@link StitchedUsage}).
 * </ul>
 *
 * <p>Not continued ({@link NotContinuable}): {@code n > 1} or {@code best_of > 1} (choices the client saw would need
 * separate continuations), a {@code response_format} other than text once output exists (the grammar would start
 * again from the beginning of the output, in the middle of a structure), tools, {@code echo} (the echoed prompt
 * cannot be told apart from output in every runtime), {@code suffix}, prompts that are not one string, and text
 * that cannot be sent back (an unpaired surrogate). With no text yet, the continuation is the original request.
 */
public final class ContinuationRequest {
    /** Reads decimals exactly, as the gateway's own body rewriting does ({@code 0.9000000000000001} stays as sent). */
    private static final JsonMapper EXACT = Json.MAPPER.rebuild().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS).build();
    /** OpenAI's (and vLLM's) output limit of a legacy completion that gives none. */
    static final int LEGACY_DEFAULT_MAX_TOKENS = 16;

    private ContinuationRequest() {}

    /** A stream that cannot be continued; the message says why, for the log. */
    public static final class NotContinuable extends Exception {
        public NotContinuable(String reason) {
            super(reason, null, false, false);
        }
    }

    /**
     * The continuation's body.
     *
     * @param chat chat completions (else legacy completions)
     * @param original the client's request body
     * @param textSoFar the text of choice 0 the client already has
     * @param tokensSoFar the tokens generated for it (to reduce the output budget)
     */
    public static byte[] build(boolean chat, byte[] original, String textSoFar, int tokensSoFar) throws NotContinuable {
        JsonNode parsed;
        try {
            parsed = EXACT.readTree(original);
        } catch (RuntimeException e) {
            throw new NotContinuable("the request body does not parse");
        }
        if (!(parsed instanceof ObjectNode body)) {
            throw new NotContinuable("the request body is not an object");
        }
        if (body.path("n").asInt(1) > 1 || body.path("best_of").asInt(1) > 1) {
            throw new NotContinuable("more than one choice (n > 1)");
        }
        if (hasUnpairedSurrogate(textSoFar)) {
            throw new NotContinuable("the text so far cannot be sent back (unpaired surrogate)");
        }
        boolean hasText = !textSoFar.isEmpty();
        String format = body.path("response_format").path("type").asString("text");
        if (hasText && !format.equals("text")) {
            throw new NotContinuable("response_format " + format + " constrains the whole output");
        }
        if (body.path("tools").isArray() && !body.path("tools").isEmpty()) {
            throw new NotContinuable("tools");
        }
        if (chat) {
            continueChat(body, textSoFar, hasText);
        } else {
            continueCompletion(body, textSoFar);
        }
        reduceBudget(body, chat, tokensSoFar);
        body.put("stream", true);
        ObjectNode options = body.get("stream_options") instanceof ObjectNode o ? o : body.putObject("stream_options");
        options.put("include_usage", true);
        return EXACT.writeValueAsBytes(body);
    }

    private static void continueChat(ObjectNode body, String textSoFar, boolean hasText) throws NotContinuable {
        if (!(body.get("messages") instanceof ArrayNode messages) || messages.isEmpty()) {
            throw new NotContinuable("no messages");
        }
        if (!hasText) {
            return;
        }
        JsonNode last = messages.get(messages.size() - 1);
        if (body.path("continue_final_message").asBoolean(false) && last instanceof ObjectNode open
                && "assistant".equals(open.path("role").asString(""))) {
            if (!open.path("content").isString()) {
                throw new NotContinuable("the continued assistant message's content is not a string");
            }
            open.put("content", open.path("content").asString() + textSoFar);
        } else {
            messages.addObject().put("role", "assistant").put("content", textSoFar);
        }
        body.put("continue_final_message", true);
        body.put("add_generation_prompt", false);
    }

    private static void continueCompletion(ObjectNode body, String textSoFar) throws NotContinuable {
        if (body.path("echo").asBoolean(false)) {
            throw new NotContinuable("echo");
        }
        if (body.hasNonNull("suffix")) {
            throw new NotContinuable("suffix");
        }
        JsonNode prompt = body.get("prompt");
        String text;
        if (prompt != null && prompt.isString()) {
            text = prompt.asString();
        } else if (prompt != null && prompt.isArray() && prompt.size() == 1 && prompt.get(0).isString()) {
            text = prompt.get(0).asString();
        } else {
            throw new NotContinuable("the prompt is not one string");
        }
        body.put("prompt", text + textSoFar);
    }

    private static void reduceBudget(ObjectNode body, boolean chat, int tokensSoFar) throws NotContinuable {
        String field = chat && body.hasNonNull("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
        JsonNode limit = body.get(field);
        int budget;
        if (limit != null && limit.isIntegralNumber()) {
            budget = limit.asInt();
        } else if (limit == null || limit.isNull()) {
            if (chat) {
                return; // up to the context window, which the longer prompt shrinks by itself
            }
            budget = LEGACY_DEFAULT_MAX_TOKENS;
        } else {
            throw new NotContinuable(field + " is not an integer");
        }
        int left = budget - tokensSoFar;
        if (left < 1) {
            throw new NotContinuable("the output budget is spent");
        }
        body.put(field, left);
    }

    private static boolean hasUnpairedSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c)) {
                if (i + 1 == s.length() || !Character.isLowSurrogate(s.charAt(i + 1))) {
                    return true;
                }
                i++;
            } else if (Character.isLowSurrogate(c)) {
                return true;
            }
        }
        return false;
    }

    /** The output budget the client asked for, or -1 when none applies (chat without a limit). */
    public static int budget(boolean chat, byte[] original) {
        try {
            JsonNode body = EXACT.readTree(original);
            JsonNode limit = chat && body.hasNonNull("max_completion_tokens") ? body.get("max_completion_tokens") : body.get("max_tokens");
            if (limit != null && limit.isIntegralNumber()) {
                return limit.asInt();
            }
            return chat ? -1 : LEGACY_DEFAULT_MAX_TOKENS;
        } catch (RuntimeException e) {
            return -1;
        }
    }
}
