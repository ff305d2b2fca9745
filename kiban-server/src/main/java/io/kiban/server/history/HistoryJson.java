package io.kiban.server.history;

import io.kiban.api.Json;
import io.kiban.store.history.HistoryPage;
import io.kiban.store.history.HistoryRecord;
import java.util.function.Function;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.databind.node.StringNode;

/**
 * The JSON shape of a history record in Kiban's own API ({@code /api/v1/history}, its export, the admin routes):
 * every recorded fact, with the request and response embedded as JSON when they are JSON.
 */
final class HistoryJson {
    private HistoryJson() {}

    static ObjectNode record(HistoryRecord r) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("id", r.id());
        o.put("object", "history.record");
        o.put("kind", r.kind().wire());
        o.put("model", r.model());
        o.put("status", r.status().wire());
        o.put("http_status", r.httpStatus());
        o.put("created_at", r.createdAt().toString());
        o.put("user_id", r.userId());
        o.put("key_id", r.keyId());
        o.put("project_id", r.projectId());
        o.put("client_ip", r.clientIp());
        if (r.ttftMs() == null) {
            o.putNull("ttft_ms");
        } else {
            o.put("ttft_ms", r.ttftMs());
        }
        o.put("duration_ms", r.durationMs());
        ObjectNode u = o.putObject("usage");
        u.put("prompt_tokens", r.promptTokens());
        u.put("completion_tokens", r.completionTokens());
        u.put("total_tokens", r.promptTokens() + r.completionTokens());
        ObjectNode m = o.putObject("metadata");
        r.metadata().forEach(m::put);
        o.set("request", body(r.requestBody()));
        o.set("response", body(r.responseBody()));
        return o;
    }

    /** A stored body as JSON when it parses as JSON, else as a string; JSON null when absent (metadata only). */
    static JsonNode body(String s) {
        if (s == null) {
            return Json.MAPPER.nullNode();
        }
        try {
            return Json.MAPPER.readTree(s);
        } catch (JacksonException e) {
            return StringNode.valueOf(s);
        }
    }

    /** OpenAI's list envelope: {@code {"object":"list","data":[…],"first_id","last_id","has_more"}}. */
    static ObjectNode list(HistoryPage page, Function<HistoryRecord, JsonNode> item) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("object", "list");
        ArrayNode data = o.putArray("data");
        page.items().forEach(r -> data.add(item.apply(r)));
        o.put("first_id", page.firstId());
        o.put("last_id", page.lastId());
        o.put("has_more", page.hasMore());
        return o;
    }
}
