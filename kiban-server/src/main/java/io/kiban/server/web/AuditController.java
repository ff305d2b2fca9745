package io.kiban.server.web;

import io.kiban.server.tenancy.AuditLog;
import io.kiban.server.web.TenancyViews.AuditEventView;
import io.kiban.server.web.TenancyViews.ListView;
import io.kiban.store.audit.AuditQuery;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /api/v1/audit}: the security event log, newest first, for administrators. */
@RestController
public class AuditController {
    private final Callers callers;
    private final AuditLog audit;

    public AuditController(Callers callers, AuditLog audit) {
        this.callers = callers;
        this.audit = audit;
    }

    /**
     * @param from Unix seconds, inclusive
     * @param to Unix seconds, exclusive
     */
    @GetMapping("/api/v1/audit")
    public ListView<AuditEventView> list(HttpServletRequest req,
            @RequestParam(name = "action", required = false) String action,
            @RequestParam(name = "actor_id", required = false) String actorId,
            @RequestParam(name = "target_type", required = false) String targetType,
            @RequestParam(name = "target_id", required = false) String targetId,
            @RequestParam(name = "from", required = false) Long from,
            @RequestParam(name = "to", required = false) Long to,
            @RequestParam(name = "after", required = false) String after,
            @RequestParam(name = "limit", required = false) Integer limit) {
        var caller = callers.of(req);
        var query = new AuditQuery(actorId, action, targetType, targetId,
                Wire.epochSeconds("from", from), Wire.epochSeconds("to", to));
        return TenancyViews.list(audit.query(caller, query, after, limit), AuditEventView::of, AuditEventView::id);
    }
}
