package io.kiban.server.history;

import io.kiban.gateway.spi.Authenticator;
import io.kiban.gateway.spi.Principal;
import io.kiban.server.web.QueryParams;
import io.kiban.server.web.Requests;
import io.kiban.store.history.SortOrder;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.node.ObjectNode;

/**
 * An administrator's view of another user's history: the same list, record and export as {@code /api/v1/history},
 * each read recorded as a {@code history.read_by_admin} audit event before any data is returned. 403 for users.
 */
@RestController
public class AdminHistoryController {
    private final Authenticator auth;
    private final HistoryService history;

    public AdminHistoryController(Authenticator auth, HistoryService history) {
        this.auth = auth;
        this.history = history;
    }

    @GetMapping("/api/v1/admin/users/{user_id}/history")
    public ObjectNode list(@PathVariable("user_id") String userId,
            @RequestParam(name = "after", required = false) String after,
            @RequestParam(name = "limit", required = false) String limit,
            @RequestParam(name = "order", required = false) String order, HttpServletRequest req) {
        Principal admin = Requests.admin(auth, req);
        var filter = HistoryParams.filter(req.getParameterMap());
        history.auditAdminRead(admin, userId, req.getRemoteAddr(), "list", req.getQueryString());
        return HistoryJson.list(history.list(userId, filter, after, QueryParams.limit("limit", limit, 20, 100),
                QueryParams.order(order, SortOrder.DESC)), HistoryJson::record);
    }

    @GetMapping("/api/v1/admin/users/{user_id}/history/export")
    public void export(@PathVariable("user_id") String userId,
            @RequestParam(name = "order", required = false) String order, HttpServletRequest req,
            HttpServletResponse res) throws IOException {
        Principal admin = Requests.admin(auth, req);
        var filter = HistoryParams.filter(req.getParameterMap());
        SortOrder o = QueryParams.order(order, SortOrder.ASC);
        history.auditAdminRead(admin, userId, req.getRemoteAddr(), "export", req.getQueryString());
        HistoryExport.write(res, history, userId, filter, o);
    }

    @GetMapping("/api/v1/admin/users/{user_id}/history/{id}")
    public ObjectNode get(@PathVariable("user_id") String userId, @PathVariable("id") String id,
            HttpServletRequest req) {
        Principal admin = Requests.admin(auth, req);
        history.auditAdminRead(admin, userId, req.getRemoteAddr(), "get", id);
        return HistoryJson.record(history.get(userId, id));
    }
}
