package io.kiban.gateway.failover;

import io.kiban.api.Json;
import io.kiban.gateway.relay.Bytes;
import io.kiban.gateway.relay.SseEditor;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Rewrites the events of a continuation so that they read as the rest of the stream the client already has: the
 * original {@code id} and {@code created}; no second role announcement (the opening chunk with an empty text is
 * dropped, a {@code role} elsewhere removed); and the usage numbers of the whole stream ({@link StitchedUsage}).
 * Comments, {@code [DONE]}, error events and anything that is not a JSON object pass unchanged (the caller judges
 * those).
 *
 * <p>Cost: a JSON tree per event, written back out. Only continued streams pay it, after a replica failed.
 */
public final class Splice implements SseEditor {

    private final String id;
    private final long created;
    private final int reportedPrompt;
    private final int textEventsBefore;
    private StitchedUsage usage;

    /**
     * @param id the stream's id as the client first saw it (null: leave ids alone)
     * @param created its {@code created} (negative: leave alone)
     * @param reportedPrompt the original prompt's tokens as the first replica reported them, or -1
     * @param textEventsBefore text events the client received before this continuation
     */
    public Splice(String id, long created, int reportedPrompt, int textEventsBefore) {
        this.id = id;
        this.created = created;
        this.reportedPrompt = reportedPrompt;
        this.textEventsBefore = textEventsBefore;
    }

    @Override
    public byte[] edit(byte[] buf, int from, int to) {
        int data = Bytes.dataLine(buf, from, to);
        if (data < 0) {
            return null;
        }
        int payload = Bytes.payloadStart(buf, data, to);
        int end = Bytes.payloadEnd(buf, payload, to);
        if (end == payload || buf[payload] != '{') {
            return null;
        }
        ObjectNode chunk;
        try {
            if (!(Json.MAPPER.readTree(buf, payload, end - payload) instanceof ObjectNode o)) {
                return null;
            }
            chunk = o;
        } catch (RuntimeException malformed) {
            return null;
        }
        if (chunk.has("error")) {
            return null;
        }
        if (id != null && chunk.has("id")) {
            chunk.put("id", id);
        }
        if (created >= 0 && chunk.has("created")) {
            chunk.put("created", created);
        }
        boolean keep = false;
        if (chunk.get("choices") instanceof tools.jackson.databind.node.ArrayNode choices) {
            for (Iterator<JsonNode> it = choices.iterator(); it.hasNext(); ) {
                JsonNode c = it.next();
                if (c instanceof ObjectNode choice && opening(choice)) {
                    it.remove();
                }
            }
            keep = !choices.isEmpty();
        }
        if (chunk.get("usage") instanceof ObjectNode u) {
            usage = StitchedUsage.of(reportedPrompt, u.path("prompt_tokens").asInt(0), u.path("completion_tokens").asInt(0),
                    textEventsBefore);
            u.put("prompt_tokens", usage.promptTokens());
            u.put("completion_tokens", usage.completionTokens());
            u.put("total_tokens", usage.totalTokens());
            keep = true;
        }
        if (!keep) {
            return WITHHOLD;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(end - from + 16);
        out.writeBytes("data: ".getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(Json.write(chunk));
        out.writeBytes("\n\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    /**
     * Drops a {@code role} from the choice's delta and says whether nothing is left of the choice: the opening
     * chunk of a continuation (role and empty text, or an empty legacy text) that the client must not see twice.
     */
    private static boolean opening(ObjectNode choice) {
        JsonNode finish = choice.get("finish_reason");
        boolean finishes = finish != null && !finish.isNull();
        if (choice.get("delta") instanceof ObjectNode delta) {
            delta.remove("role");
            JsonNode content = delta.get("content");
            boolean empty = content == null || content.isNull() || (content.isString() && content.asString().isEmpty());
            return empty && delta.size() <= (content == null ? 0 : 1) && !finishes;
        }
        JsonNode text = choice.get("text");
        return text != null && text.isString() && text.asString().isEmpty() && !finishes;
    }

    /** The stitched usage, once the continuation's usage chunk went through; else null. */
    public StitchedUsage usage() {
        return usage;
    }

}
