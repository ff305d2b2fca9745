package io.kiban.server.usage;

import io.kiban.gateway.spi.Authenticator;
import io.kiban.gateway.spi.Principal;
import io.kiban.server.web.Requests;
import io.kiban.store.usage.UsageScope;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Usage reports: {@code GET /api/v1/usage} (the caller's own, or a project's they belong to) and
 * {@code GET /api/v1/admin/usage} (anyone's, for administrators), as JSON or {@code format=csv}.
 */
@RestController
public class UsageController {
    private final Authenticator auth;
    private final UsageService usage;

    public UsageController(Authenticator auth, UsageService usage) {
        this.auth = auth;
        this.usage = usage;
    }

    @GetMapping("/api/v1/usage")
    public void own(@RequestParam(name = "user_id", required = false) String userId,
            @RequestParam(name = "project_id", required = false) String projectId, HttpServletRequest req,
            HttpServletResponse res) throws IOException {
        Principal p = Requests.principal(auth, req);
        UsageParams q = UsageParams.parse(req.getParameterMap(), usage.clock(), false);
        write(res, q, usage.ownScope(p, userId, projectId));
    }

    @GetMapping("/api/v1/admin/usage")
    public void admin(@RequestParam(name = "user_id", required = false) String userId,
            @RequestParam(name = "project_id", required = false) String projectId, HttpServletRequest req,
            HttpServletResponse res) throws IOException {
        Requests.admin(auth, req);
        UsageParams q = UsageParams.parse(req.getParameterMap(), usage.clock(), true);
        write(res, q, UsageService.adminScope(userId, projectId));
    }

    private void write(HttpServletResponse res, UsageParams q, UsageScope scope) throws IOException {
        var rows = usage.rows(scope, q);
        byte[] body;
        if (q.csv()) {
            res.setContentType("text/csv; charset=utf-8");
            res.setHeader("Content-Disposition", "attachment; filename=\"kiban-usage.csv\"");
            body = UsageReport.csv(q, rows).getBytes(StandardCharsets.UTF_8);
        } else {
            res.setContentType("application/json");
            body = io.kiban.api.Json.MAPPER.writeValueAsBytes(UsageReport.json(q, rows));
        }
        res.setStatus(200);
        res.setContentLength(body.length);
        res.getOutputStream().write(body);
    }
}
