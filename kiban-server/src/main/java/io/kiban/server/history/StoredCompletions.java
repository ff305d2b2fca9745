package io.kiban.server.history;

import io.kiban.api.Json;
import io.kiban.store.history.HistoryRecord;
import io.kiban.store.history.SortOrder;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * History records in the shapes of OpenAI's stored chat completions API: the {@code chat.completion} object
 * (with its {@code metadata}) and the stored input messages ({@code chat.completion.message}, with ids
 * {@code <completion id>-<index>}).
 */
final class StoredCompletions {
    private StoredCompletions() {}

    /** The completion as the client received it (a stream rebuilt as one object), plus {@code metadata}. */
    static ObjectNode completion(HistoryRecord r) {
        JsonNode body = HistoryJson.body(r.responseBody());
        ObjectNode o;
        if (body instanceof ObjectNode stored && stored.has("choices")) {
            o = stored;
        } else { // metadata-only key: the facts without the text
            o = Json.MAPPER.createObjectNode();
            o.put("object", "chat.completion");
            o.put("created", r.createdAt().getEpochSecond());
            o.put("model", r.model());
            o.putArray("choices");
            ObjectNode u = o.putObject("usage");
            u.put("prompt_tokens", r.promptTokens());
            u.put("completion_tokens", r.completionTokens());
            u.put("total_tokens", r.promptTokens() + r.completionTokens());
        }
        o.put("id", r.id());
        ObjectNode m = o.putObject("metadata");
        r.metadata().forEach(m::put);
        return o;
    }

    /** The request's messages, each with an id; empty for metadata-only records. */
    static List<ObjectNode> messages(HistoryRecord r) {
        List<ObjectNode> out = new ArrayList<>();
        JsonNode request = HistoryJson.body(r.requestBody());
        JsonNode messages = request.path("messages");
        if (!messages.isArray()) {
            return out;
        }
        int i = 0;
        for (JsonNode m : messages) {
            ObjectNode o = Json.MAPPER.createObjectNode();
            o.put("id", r.id() + "-" + i++);
            o.put("role", m.path("role").asString("user"));
            JsonNode content = m.get("content");
            if (content != null && content.isArray()) {
                StringBuilder text = new StringBuilder();
                ArrayNode parts = o.putArray("content_parts");
                for (JsonNode part : content) {
                    parts.add(part);
                    if (part.path("type").asString("").equals("text")) {
                        text.append(part.path("text").asString(""));
                    }
                }
                o.put("content", text.toString());
            } else {
                o.set("content", content == null ? Json.MAPPER.nullNode() : content);
                o.putNull("content_parts");
            }
            if (m.has("name")) {
                o.set("name", m.get("name"));
            }
            out.add(o);
        }
        return out;
    }

    /** A page of the stored messages, OpenAI's list shape; {@code after} is a message id. */
    static ObjectNode messagesPage(HistoryRecord r, String after, int limit, SortOrder order) {
        List<ObjectNode> all = messages(r);
        if (order == SortOrder.DESC) {
            all = all.reversed();
        }
        int from = 0;
        if (after != null) {
            from = all.size();
            for (int i = 0; i < all.size(); i++) {
                if (all.get(i).path("id").asString("").equals(after)) {
                    from = i + 1;
                }
            }
        }
        List<ObjectNode> page = all.subList(from, Math.min(all.size(), from + limit));
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("object", "list");
        ArrayNode data = o.putArray("data");
        page.forEach(data::add);
        o.put("first_id", page.isEmpty() ? null : page.getFirst().path("id").asString());
        o.put("last_id", page.isEmpty() ? null : page.getLast().path("id").asString());
        o.put("has_more", from + page.size() < all.size());
        return o;
    }
}
