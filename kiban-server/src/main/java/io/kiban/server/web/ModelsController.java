package io.kiban.server.web;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.api.models.ModelInfo;
import io.kiban.api.models.ModelList;
import io.kiban.control.Deployment;
import io.kiban.control.Replica;
import io.kiban.control.Supervisor;
import io.kiban.gateway.spi.Authenticator;
import io.kiban.gateway.spi.Principal;
import io.kiban.server.ModelCatalog;
import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /v1/models} and {@code GET /v1/models/{id}}: the models the caller may use, with facts from their files. */
@RestController
public class ModelsController {
    private final Authenticator auth;
    private final ModelCatalog catalog;
    private final Supervisor supervisor;

    public ModelsController(Authenticator auth, ModelCatalog catalog, Supervisor supervisor) {
        this.auth = auth;
        this.catalog = catalog;
        this.supervisor = supervisor;
    }

    @GetMapping("/v1/models")
    public ModelList list(HttpServletRequest req) {
        Principal p = Requests.principal(auth, req);
        List<ModelInfo> out = new ArrayList<>();
        for (ModelCatalog.Entry e : catalog.entries()) {
            if (p.mayUse(e.spec().name())) {
                out.add(info(e));
            }
        }
        return new ModelList(out);
    }

    @GetMapping("/v1/models/{id}")
    public ModelInfo get(@PathVariable("id") String id, HttpServletRequest req) {
        Principal p = Requests.principal(auth, req);
        ModelCatalog.Entry e = catalog.get(id);
        if (e == null || !p.mayUse(id)) {
            throw new ApiException(ApiError.modelNotFound(id));
        }
        return info(e);
    }

    private ModelInfo info(ModelCatalog.Entry e) {
        var f = e.file();
        var o = e.spec().options();
        List<String> caps = !e.spec().runtime().equals("builtin") ? List.of("chat", "completions", "embeddings")
                : o.embeddings() ? List.of("embeddings") : List.of("chat", "completions");
        Integer context = f == null ? null : o.contextSize() > 0 ? Integer.valueOf(o.contextSize()) : f.contextLength();
        return new ModelInfo(e.spec().name(), "model", e.createdEpochSeconds(), "kiban",
                f == null ? null : f.architecture(), f == null ? null : f.parameters(), f == null ? null : f.quantization(),
                context, caps, status(supervisor.get(e.spec().name())));
    }

    static String status(Deployment d) {
        if (d == null) {
            return "unknown";
        }
        boolean starting = false;
        for (Replica r : d.replicas()) {
            if (r.state() == Replica.State.READY) {
                return "ready";
            }
            starting |= r.state() == Replica.State.STARTING;
        }
        if (starting) {
            return "starting";
        }
        return d.spec().minReplicas() == 0 ? "scaled_to_zero" : "unavailable";
    }
}
