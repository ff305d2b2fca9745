package io.kiban.server.history;

import io.kiban.api.Json;
import io.kiban.gateway.spi.Authenticator;
import io.kiban.gateway.spi.Principal;
import io.kiban.server.web.QueryParams;
import io.kiban.server.web.Requests;
import io.kiban.store.history.HistoryFilter;
import io.kiban.store.history.HistoryKind;
import io.kiban.store.history.HistoryPage;
import io.kiban.store.history.HistoryRecord;
import io.kiban.store.history.HistoryStatus;
import io.kiban.store.history.SortOrder;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenAI's stored chat completions API over the caller's own history: list, retrieve, the stored messages, delete.
 * Only finished chat completions appear here; {@code /api/v1/history} shows every request.
 */
@RestController
public class StoredCompletionsController {
    private final Authenticator auth;
    private final HistoryService history;

    public StoredCompletionsController(Authenticator auth, HistoryService history) {
        this.auth = auth;
        this.history = history;
    }

    @GetMapping("/v1/chat/completions")
    public ObjectNode list(@RequestParam(name = "model", required = false) String model,
            @RequestParam(name = "after", required = false) String after,
            @RequestParam(name = "limit", required = false) String limit,
            @RequestParam(name = "order", required = false) String order, HttpServletRequest req) {
        Principal p = Requests.principal(auth, req);
        HistoryFilter filter = HistoryFilter.ALL.withKinds(HistoryKind.CHAT).withStatus(HistoryStatus.COMPLETED)
                .withModel(model).withMetadata(QueryParams.metadata(req.getParameterMap()));
        HistoryPage page = history.list(p.userId(), filter, after, QueryParams.limit("limit", limit, 20, 100),
                QueryParams.order(order, SortOrder.ASC));
        return HistoryJson.list(page, StoredCompletions::completion);
    }

    @GetMapping("/v1/chat/completions/{id}")
    public ObjectNode get(@PathVariable("id") String id, HttpServletRequest req) {
        Principal p = Requests.principal(auth, req);
        return StoredCompletions.completion(history.storedCompletion(p.userId(), id));
    }

    @GetMapping("/v1/chat/completions/{id}/messages")
    public ObjectNode messages(@PathVariable("id") String id,
            @RequestParam(name = "after", required = false) String after,
            @RequestParam(name = "limit", required = false) String limit,
            @RequestParam(name = "order", required = false) String order, HttpServletRequest req) {
        Principal p = Requests.principal(auth, req);
        HistoryRecord r = history.storedCompletion(p.userId(), id);
        return StoredCompletions.messagesPage(r, after, QueryParams.limit("limit", limit, 20, 100),
                QueryParams.order(order, SortOrder.ASC));
    }

    @DeleteMapping("/v1/chat/completions/{id}")
    public ObjectNode delete(@PathVariable("id") String id, HttpServletRequest req) {
        Principal p = Requests.principal(auth, req);
        history.deleteStoredCompletion(p.userId(), id);
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("object", "chat.completion.deleted");
        o.put("id", id);
        o.put("deleted", true);
        return o;
    }
}
