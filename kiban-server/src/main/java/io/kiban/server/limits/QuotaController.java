package io.kiban.server.limits;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.api.Json;
import io.kiban.gateway.spi.Authenticator;
import io.kiban.gateway.spi.Principal;
import io.kiban.server.web.Requests;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Token quotas: {@code GET /api/v1/quotas} (administrators: all, or one subject with {@code subject_type} and
 * {@code subject_id}; users: those that apply to them, with use so far), and for administrators
 * {@code PUT /api/v1/quotas/{subject_type}/{subject_id}/{period}} with {@code {"token_limit": N}} and
 * {@code DELETE} of the same path. {@code subject_type} is {@code user} or {@code project}, {@code period}
 * {@code day} or {@code month}.
 */
@RestController
public class QuotaController {
    private final Authenticator auth;
    private final QuotaService quotas;

    public QuotaController(Authenticator auth, QuotaService quotas) {
        this.auth = auth;
        this.quotas = quotas;
    }

    @GetMapping("/api/v1/quotas")
    public ObjectNode list(@RequestParam(name = "subject_type", required = false) String type,
            @RequestParam(name = "subject_id", required = false) String id, HttpServletRequest req) {
        Principal p = Requests.principal(auth, req);
        return quotas.list(p, type, id);
    }

    @PutMapping("/api/v1/quotas/{subject_type}/{subject_id}/{period}")
    public ObjectNode put(@PathVariable("subject_type") String type, @PathVariable("subject_id") String id,
            @PathVariable("period") String period, @RequestBody(required = false) byte[] body,
            HttpServletRequest req) {
        Principal admin = Requests.admin(auth, req);
        JsonNode limit = body == null ? null : parse(body).get("token_limit");
        if (limit == null || !limit.canConvertToLong()) {
            throw new ApiException(ApiError.missingParam("token_limit", "Send {\"token_limit\": N}, N tokens per "
                    + period + "."));
        }
        return quotas.put(admin, type, id, period, limit.asLong(), req.getRemoteAddr());
    }

    @DeleteMapping("/api/v1/quotas/{subject_type}/{subject_id}/{period}")
    public ObjectNode delete(@PathVariable("subject_type") String type, @PathVariable("subject_id") String id,
            @PathVariable("period") String period, HttpServletRequest req) {
        Principal admin = Requests.admin(auth, req);
        quotas.remove(admin, type, id, period, req.getRemoteAddr());
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("object", "quota.deleted");
        o.put("subject_type", type);
        o.put("subject_id", id);
        o.put("period", period);
        o.put("deleted", true);
        return o;
    }

    private static JsonNode parse(byte[] body) {
        try {
            JsonNode n = Json.MAPPER.readTree(body);
            if (n != null && n.isObject()) {
                return n;
            }
        } catch (RuntimeException e) {
            // below
        }
        throw new ApiException(new ApiError.InvalidRequest("The body must be a JSON object such as "
                + "{\"token_limit\": 100000}.", null, "invalid_json"));
    }
}
