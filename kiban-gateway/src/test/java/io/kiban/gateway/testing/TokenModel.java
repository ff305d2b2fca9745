package io.kiban.gateway.testing;

import io.kiban.api.Json;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * A deterministic "model" for failover tests, served on a {@link RawServer}: it always writes the same
 * {@link #TOKENS}, one SSE event per token, and honours a continuation the way vLLM and Kiban's worker do: a chat
 * request whose last assistant message is continued ({@code continue_final_message}) or a legacy prompt that ends
 * with text already written gets only the tokens after it. Usage counts {@link #PROMPT} prompt tokens plus the
 * tokens of the continued text, as a runtime that re-tokenizes the text would.
 *
 * <p>A replica can be told to die after a number of events: it writes half of the next one and closes the
 * connection, as a killed process's socket does.
 */
public final class TokenModel {
    public static final List<String> TOKENS = List.of(" Once", " upon", " a", " time", " there", " was", " a", " cat",
            " who", " sang", ".");
    public static final String TEXT = String.join("", TOKENS);
    /** Tokens of the original prompt. */
    public static final int PROMPT = 7;

    private final String id;
    private final boolean reportPrompt;

    /**
     * @param id the response id this replica gives its streams
     * @param reportPrompt whether to send {@code x-kiban-prompt-tokens} as Kiban's workers do (vLLM does not)
     */
    public TokenModel(String id, boolean reportPrompt) {
        this.id = id;
        this.reportPrompt = reportPrompt;
    }

    /** What a request asked for. */
    public record Asked(boolean chat, int continuedTokens, int maxTokens, boolean usage, JsonNode json) {}

    /** Reads the request and the tokens its continued text already holds. */
    public static Asked read(RawServer.Request r) {
        JsonNode json = Json.MAPPER.readTree(r.body());
        boolean chat = r.path().endsWith("/chat/completions");
        String sofar = "";
        if (chat && json.path("continue_final_message").asBoolean(false)) {
            JsonNode messages = json.path("messages");
            sofar = messages.get(messages.size() - 1).path("content").asString();
        } else if (!chat) {
            sofar = json.path("prompt").asString().substring("Say:".length());
        }
        int k = 0;
        StringBuilder joined = new StringBuilder();
        while (k < TOKENS.size() && joined.length() < sofar.length()) {
            joined.append(TOKENS.get(k++));
        }
        if (!joined.toString().equals(sofar)) {
            throw new IllegalArgumentException("not a prefix of the model's text: '" + sofar + "'");
        }
        int max = json.path("max_tokens").asInt(json.path("max_completion_tokens").asInt(Integer.MAX_VALUE));
        return new Asked(chat, k, max, json.path("stream_options").path("include_usage").asBoolean(false), json);
    }

    /**
     * Serves one request on the connection. With {@code dieAfter >= 0} it resets the connection after the opening
     * event and that many more (the token events come first, then the finish, usage and [DONE] events).
     */
    public Asked serve(RawServer.Conn conn, int dieAfter) throws IOException {
        RawServer.Request r = conn.readRequest();
        Asked a = read(r);
        conn.write("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n"
                + (reportPrompt ? "x-kiban-prompt-tokens: " + (PROMPT + a.continuedTokens()) + "\r\n" : "") + "\r\n");
        List<String> events = events(a);
        for (int i = 0; i < events.size(); i++) {
            if (dieAfter >= 0 && i == dieAfter + 1) {
                conn.write("40\r\ndata: {\"id\":\""); // half an event, then the process is gone (FIN)
                return a;
            }
            conn.chunk(events.get(i));
        }
        conn.write("0\r\n\r\n");
        return a;
    }

    /** The events answering a request: opening, one per token, finish, usage when asked, [DONE]. */
    public List<String> events(Asked a) {
        List<String> out = new ArrayList<>();
        int end = (int) Math.min(TOKENS.size(), (long) a.continuedTokens() + a.maxTokens());
        String head = "{\"id\":\"" + id + "\",\"object\":\"" + (a.chat() ? "chat.completion.chunk" : "text_completion")
                + "\",\"created\":" + (1000 + a.continuedTokens()) + ",\"model\":\"m\",\"choices\":[";
        out.add("data: " + head + (a.chat() ? "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}"
                : "{\"index\":0,\"text\":\"\"}") + "]}\n\n");
        for (int i = a.continuedTokens(); i < end; i++) {
            String t = Json.writeString(TOKENS.get(i));
            out.add("data: " + head + (a.chat() ? "{\"index\":0,\"delta\":{\"content\":" + t + "}}" : "{\"index\":0,\"text\":" + t + "}")
                    + "]}\n\n");
        }
        String finish = end == TOKENS.size() ? "stop" : "length";
        out.add("data: " + head + (a.chat() ? "{\"index\":0,\"delta\":{},\"finish_reason\":\"" + finish + "\"}"
                : "{\"index\":0,\"text\":\"\",\"finish_reason\":\"" + finish + "\"}") + "]}\n\n");
        if (a.usage()) {
            int prompt = PROMPT + a.continuedTokens();
            int completion = end - a.continuedTokens();
            out.add("data: " + head + "],\"usage\":{\"prompt_tokens\":" + prompt + ",\"completion_tokens\":" + completion
                    + ",\"total_tokens\":" + (prompt + completion) + "}}\n\n");
        }
        out.add("data: [DONE]\n\n");
        return out;
    }
}
