package io.kiban.server.web;

import io.kiban.control.Deployment;
import io.kiban.control.Supervisor;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /healthz}: the server process answers. {@code /readyz}: every deployment that should have a replica has a
 * ready one (503 with the details otherwise), so a load balancer sends traffic only when models can answer.
 */
@RestController
public class HealthController {
    private final Supervisor supervisor;

    public HealthController(Supervisor supervisor) {
        this.supervisor = supervisor;
    }

    @GetMapping("/healthz")
    public Map<String, Object> health() {
        return Map.of("status", "ok");
    }

    @GetMapping("/readyz")
    public ResponseEntity<Map<String, Object>> ready() {
        Map<String, Object> models = new LinkedHashMap<>();
        boolean ready = true;
        for (Deployment d : supervisor.deployments()) {
            String status = ModelsController.status(d);
            models.put(d.name(), status);
            if (d.spec().minReplicas() > 0 && !status.equals("ready")) {
                ready = false;
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", ready ? "ready" : "not_ready");
        body.put("models", models);
        return ResponseEntity.status(ready ? 200 : 503).body(body);
    }
}
