package io.kiban.server.web;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.api.Json;
import io.kiban.gateway.spi.Authenticator;
import io.kiban.server.deployments.DeploymentService;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * {@code /api/v1/deployments}: administrators create, change, scale, inspect and delete deployments. Thin: each
 * route checks the caller and calls {@link DeploymentService}.
 */
@RestController
public class DeploymentsController {
    private static final int MAX_BODY = 64 * 1024;

    private final Authenticator auth;
    private final DeploymentService service;

    public DeploymentsController(Authenticator auth, DeploymentService service) {
        this.auth = auth;
        this.service = service;
    }

    @GetMapping("/api/v1/deployments")
    public Map<String, Object> list(HttpServletRequest req) {
        admin(req);
        return Map.of("object", "list", "data", service.list());
    }

    @GetMapping("/api/v1/deployments/{name}")
    public JsonNode get(@PathVariable("name") String name, HttpServletRequest req) {
        admin(req);
        return service.get(name);
    }

    @PostMapping("/api/v1/deployments")
    public ResponseEntity<JsonNode> create(HttpServletRequest req) {
        admin(req);
        return ResponseEntity.status(201).body(service.create(body(req)));
    }

    @PutMapping("/api/v1/deployments/{name}")
    public ResponseEntity<JsonNode> replace(@PathVariable("name") String name, HttpServletRequest req) {
        admin(req);
        boolean existed = service.exists(name);
        JsonNode view = service.replace(name, body(req));
        return ResponseEntity.status(existed ? 200 : 201).body(view);
    }

    @PatchMapping("/api/v1/deployments/{name}")
    public JsonNode patch(@PathVariable("name") String name, HttpServletRequest req) {
        admin(req);
        return service.patch(name, body(req));
    }

    @DeleteMapping("/api/v1/deployments/{name}")
    public JsonNode delete(@PathVariable("name") String name, HttpServletRequest req) {
        admin(req);
        return service.delete(name);
    }

    private void admin(HttpServletRequest req) {
        if (!Requests.principal(auth, req).admin()) {
            throw new ApiException(new ApiError.PermissionDenied("Deployments are managed by administrators.",
                    "admin_only"));
        }
    }

    private static JsonNode body(HttpServletRequest req) {
        try (InputStream in = req.getInputStream()) {
            byte[] bytes = in.readNBytes(MAX_BODY + 1);
            if (bytes.length > MAX_BODY) {
                throw new ApiException(new ApiError.PayloadTooLarge("A deployment spec is at most 64 KiB."));
            }
            return bytes.length == 0 ? Json.MAPPER.createObjectNode() : Json.readTree(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
