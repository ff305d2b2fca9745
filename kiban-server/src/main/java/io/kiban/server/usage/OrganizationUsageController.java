package io.kiban.server.usage;

import io.kiban.gateway.spi.Authenticator;
import io.kiban.server.web.Requests;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.node.ObjectNode;

/** {@code GET /v1/organization/usage/completions}: OpenAI's Usage API shape, for administrators (403 for users). */
@RestController
public class OrganizationUsageController {
    private final Authenticator auth;
    private final UsageService usage;

    public OrganizationUsageController(Authenticator auth, UsageService usage) {
        this.auth = auth;
        this.usage = usage;
    }

    @GetMapping("/v1/organization/usage/completions")
    public ObjectNode completions(HttpServletRequest req) {
        Requests.admin(auth, req);
        return OrganizationUsage.page(usage, req.getParameterMap());
    }
}
