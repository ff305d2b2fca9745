package io.kiban.server.web;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.gateway.spi.Authenticator;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /metrics} in Prometheus' text format. Open to scrapers on loopback; from elsewhere it needs an admin
 * key, since metrics name models and show traffic.
 */
@RestController
public class MetricsController {
    private final PrometheusMeterRegistry registry;
    private final Authenticator auth;

    public MetricsController(PrometheusMeterRegistry registry, Authenticator auth) {
        this.registry = registry;
        this.auth = auth;
    }

    @GetMapping("/metrics")
    public ResponseEntity<String> scrape(HttpServletRequest req) {
        if (!Requests.loopback(req) && !Requests.principal(auth, req).admin()) {
            throw new ApiException(new ApiError.PermissionDenied("Metrics are for administrators.", "admin_only"));
        }
        return ResponseEntity.ok().contentType(MediaType.parseMediaType("text/plain; version=0.0.4; charset=utf-8"))
                .body(registry.scrape());
    }
}
