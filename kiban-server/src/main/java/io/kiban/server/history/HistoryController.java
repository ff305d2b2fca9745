package io.kiban.server.history;

import io.kiban.api.Json;
import io.kiban.gateway.spi.Authenticator;
import io.kiban.gateway.spi.Principal;
import io.kiban.server.web.QueryParams;
import io.kiban.server.web.Requests;
import io.kiban.store.history.SortOrder;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.node.ObjectNode;

/**
 * The caller's own history of every kind of request: {@code GET /api/v1/history} (filters {@code kind},
 * {@code model}, {@code from}, {@code to}, {@code status}, {@code key_id}, {@code metadata[k]=v}; cursor paging with
 * {@code after} and {@code limit}; newest first unless {@code order=asc}), one record, its deletion, and the
 * streamed JSON Lines export.
 */
@RestController
public class HistoryController {
    private final Authenticator auth;
    private final HistoryService history;

    public HistoryController(Authenticator auth, HistoryService history) {
        this.auth = auth;
        this.history = history;
    }

    @GetMapping("/api/v1/history")
    public ObjectNode list(@RequestParam(name = "after", required = false) String after,
            @RequestParam(name = "limit", required = false) String limit,
            @RequestParam(name = "order", required = false) String order, HttpServletRequest req) {
        Principal p = Requests.principal(auth, req);
        return HistoryJson.list(history.list(p.userId(), HistoryParams.filter(req.getParameterMap()), after,
                QueryParams.limit("limit", limit, 20, 100), QueryParams.order(order, SortOrder.DESC)),
                HistoryJson::record);
    }

    @GetMapping("/api/v1/history/export")
    public void export(@RequestParam(name = "order", required = false) String order, HttpServletRequest req,
            HttpServletResponse res) throws IOException {
        Principal p = Requests.principal(auth, req);
        var filter = HistoryParams.filter(req.getParameterMap());
        HistoryExport.write(res, history, p.userId(), filter, QueryParams.order(order, SortOrder.ASC));
    }

    @GetMapping("/api/v1/history/{id}")
    public ObjectNode get(@PathVariable("id") String id, HttpServletRequest req) {
        Principal p = Requests.principal(auth, req);
        return HistoryJson.record(history.get(p.userId(), id));
    }

    @DeleteMapping("/api/v1/history/{id}")
    public ObjectNode delete(@PathVariable("id") String id, HttpServletRequest req) {
        Principal p = Requests.principal(auth, req);
        history.delete(p.userId(), id);
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("object", "history.record.deleted");
        o.put("id", id);
        o.put("deleted", true);
        return o;
    }
}
