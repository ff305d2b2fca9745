package io.kiban.server.deployments;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.api.Json;
import io.kiban.control.Deployment;
import io.kiban.control.DeploymentSpec;
import io.kiban.control.Supervisor;
import io.kiban.control.model.ModelFile;
import io.kiban.server.ModelCatalog;
import io.kiban.store.StoreException;
import io.kiban.store.deployments.DeploymentRecord;
import io.kiban.store.deployments.DeploymentRepository;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Deployments as the API and the command line manage them: validates specs, stores them, applies them to the
 * {@link Supervisor} and keeps the {@link ModelCatalog} ({@code GET /v1/models}) in step.
 *
 * <p>Rules. The store is written first, then the running state, so a deployment that was accepted survives a
 * restart. Deployments from the command line ({@code --model}, the models directory, {@code --external}) are owned
 * by it: they are upserted at every start, deleted from the store at the next start without their flag, and the API
 * refuses to change or delete them (409), since the next start would undo the change. An API deployment with the
 * same name as a new command-line model is replaced by it (the explicit flag wins). Every method is
 * {@code synchronized}: changes are rare and must not interleave between store and supervisor.
 */
public final class DeploymentService {
    private static final System.Logger LOG = System.getLogger(DeploymentService.class.getName());

    private final DeploymentRepository repo;
    private final Supervisor supervisor;
    private final ModelCatalog catalog;
    private final Duration defaultHold;
    private final Clock clock;
    private final Runnable onChange;
    private final Map<String, DeploymentRecord> records = new TreeMap<>();

    /**
     * @param defaultHold the hold timeout of deployments that set none ({@code --hold-timeout})
     * @param onChange called after every change (the warm pool resizes itself)
     */
    public DeploymentService(DeploymentRepository repo, Supervisor supervisor, ModelCatalog catalog,
            Duration defaultHold, Clock clock, Runnable onChange) {
        this.repo = repo;
        this.supervisor = supervisor;
        this.catalog = catalog;
        this.defaultHold = defaultHold;
        this.clock = clock;
        this.onChange = onChange;
    }

    /**
     * Reconciles at start-up: stores the command line's deployments, drops the command-line ones no longer given,
     * deploys everything (adopting the replicas an earlier server left running for an unchanged spec) and stops
     * the leftovers of an earlier server that no deployment adopted.
     */
    public synchronized void start() {
        Instant now = clock.instant();
        Map<String, DeploymentSpec> commandLine = new LinkedHashMap<>();
        for (ModelCatalog.Entry e : catalog.entries()) {
            DeploymentSpec spec = e.spec().withHold(e.spec().hold().withTimeout(defaultHold));
            commandLine.put(spec.name(), spec);
            catalog.put(new ModelCatalog.Entry(spec, e.file(), e.createdEpochSeconds()));
            records.put(spec.name(), repo.upsert(spec.name(), spec.runtime(), spec.origin(), stored(spec), now));
        }
        for (DeploymentRecord r : repo.list()) {
            if (commandLine.containsKey(r.name())) {
                continue;
            }
            if (r.origin().equals(DeploymentSpec.ORIGIN_COMMAND_LINE)) {
                repo.delete(r.name());
                LOG.log(System.Logger.Level.INFO, "deployment {0} removed: it is no longer given on the command line",
                        r.name());
                continue;
            }
            records.put(r.name(), r);
        }
        for (DeploymentRecord r : List.copyOf(records.values())) {
            DeploymentSpec spec = commandLine.get(r.name());
            if (spec == null) {
                try {
                    spec = DeploymentDocument.read(Json.MAPPER.readTree(r.spec()), r.origin(), defaultHold);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.ERROR, "deployment {0} is stored with a spec this server cannot read "
                            + "({1}); it is not served. Fix it with PUT /api/v1/deployments/{0}.", r.name(), e.getMessage());
                    continue;
                }
                catalog.put(entry(spec, r.createdAt()));
            }
            supervisor.deploy(spec);
        }
        supervisor.stopUnadopted();
        onChange.run();
    }

    /** Every deployment with its status. */
    public synchronized List<ObjectNode> list() {
        List<ObjectNode> out = new ArrayList<>();
        for (DeploymentRecord r : records.values()) {
            Deployment d = supervisor.get(r.name());
            if (d != null) {
                out.add(DeploymentViews.render(d, r, false));
            }
        }
        return out;
    }

    /** One deployment with its replicas and recent scaling decisions. */
    public synchronized ObjectNode get(String name) {
        return DeploymentViews.render(deployment(name), records.get(name), true);
    }

    /** Creates a deployment; 409 when the name is taken. */
    public synchronized ObjectNode create(JsonNode body) {
        DeploymentSpec spec = read(body);
        if (records.containsKey(spec.name())) {
            throw new ApiException(new ApiError.Conflict("A deployment named '" + spec.name() + "' exists. Change it "
                    + "with PUT or PATCH /api/v1/deployments/" + spec.name() + ".", "name", "deployment_exists"));
        }
        DeploymentRecord r;
        try {
            r = repo.insert(spec.name(), spec.runtime(), spec.origin(), stored(spec), clock.instant());
        } catch (StoreException e) {
            if (e.isConflict()) {
                throw new ApiException(new ApiError.Conflict("A deployment named '" + spec.name() + "' exists.",
                        "name", "deployment_exists"));
            }
            throw e;
        }
        records.put(spec.name(), r);
        Deployment d = supervisor.deploy(spec);
        catalog.put(entry(spec, r.createdAt()));
        onChange.run();
        return DeploymentViews.render(d, r, true);
    }

    /** Whether a deployment of this name exists. */
    public synchronized boolean exists(String name) {
        return records.containsKey(name);
    }

    /** Replaces a deployment's spec with {@code body} (absent fields take their defaults), or creates it. */
    public synchronized ObjectNode replace(String name, JsonNode body) {
        if (body != null && body.isObject() && !body.has("name")) {
            body = ((ObjectNode) body.deepCopy()).put("name", name);
        }
        if (!records.containsKey(name)) {
            checkName(name, body);
            return create(body);
        }
        return apply(name, body);
    }

    /** Changes the fields of a deployment's spec that {@code patch} names (a JSON merge patch). */
    public synchronized ObjectNode patch(String name, JsonNode patch) {
        DeploymentRecord r = records.get(name);
        if (r == null) {
            throw notFound(name);
        }
        ObjectNode current = DeploymentDocument.write(deployment(name).spec(), true);
        return apply(name, DeploymentDocument.merge(current, patch));
    }

    private ObjectNode apply(String name, JsonNode doc) {
        checkName(name, doc);
        DeploymentRecord r = records.get(name);
        ownedByApi(r);
        DeploymentSpec spec = read(doc);
        DeploymentRecord updated = repo.update(name, spec.runtime(), spec.origin(), stored(spec), clock.instant())
                .orElseThrow(() -> notFound(name));
        records.put(name, updated);
        Deployment d = supervisor.update(spec);
        catalog.put(entry(spec, updated.createdAt()));
        onChange.run();
        return DeploymentViews.render(d, updated, true);
    }

    /** Deletes a deployment: it leaves routing at once, its replicas drain and stop. */
    public synchronized ObjectNode delete(String name) {
        DeploymentRecord r = records.get(name);
        if (r == null) {
            throw notFound(name);
        }
        ownedByApi(r);
        repo.delete(name);
        records.remove(name);
        supervisor.undeploy(name);
        catalog.remove(name);
        onChange.run();
        return Json.MAPPER.createObjectNode().put("name", name).put("object", "deployment").put("deleted", true);
    }

    private DeploymentSpec read(JsonNode body) {
        DeploymentSpec spec;
        try {
            spec = DeploymentDocument.read(body, DeploymentSpec.ORIGIN_API, defaultHold);
        } catch (DeploymentDocument.Invalid e) {
            throw new ApiException(new ApiError.InvalidRequest(e.getMessage(), e.field(), "invalid_value"));
        }
        if (spec.runtime().equals(DeploymentSpec.BUILTIN)) {
            if (!spec.model().isAbsolute()) {
                throw invalid("model", "model: give an absolute path (the server reads it on its own machine), got '"
                        + spec.model() + "'");
            }
            try {
                ModelFile.read(spec.model());
            } catch (IOException e) {
                throw invalid("model", "model: " + e.getMessage());
            }
        }
        return spec;
    }

    private ModelCatalog.Entry entry(DeploymentSpec spec, Instant created) {
        ModelFile file = null;
        if (spec.model() != null && !spec.runtime().equals(DeploymentSpec.EXTERNAL)) {
            try {
                file = ModelFile.read(spec.model());
            } catch (IOException notAFileHere) {
                // A command runtime's {model} may be a hub id; a builtin model may have been moved since.
            }
        }
        return new ModelCatalog.Entry(spec, file, created == null ? clock.instant().getEpochSecond() : created.getEpochSecond());
    }

    private Deployment deployment(String name) {
        Deployment d = records.containsKey(name) ? supervisor.get(name) : null;
        if (d == null) {
            throw notFound(name);
        }
        return d;
    }

    private static void checkName(String name, JsonNode body) {
        if (body != null && body.isObject() && body.has("name") && !name.equals(body.get("name").asString())) {
            throw invalid("name", "name: the URL names '" + name + "' but the body names '" + body.get("name").asString()
                    + "'; a deployment cannot be renamed (create the new name, then delete the old one)");
        }
    }

    private static void ownedByApi(DeploymentRecord r) {
        if (r.origin().equals(DeploymentSpec.ORIGIN_COMMAND_LINE)) {
            throw new ApiException(new ApiError.Conflict("The deployment '" + r.name() + "' comes from the command line "
                    + "of kiban serve (--model, the models directory or --external); change the flags and restart the "
                    + "server instead.", "name", "managed_by_command_line"));
        }
    }

    private static String stored(DeploymentSpec spec) {
        return Json.writeString(DeploymentDocument.write(spec, true));
    }

    private static ApiException invalid(String field, String message) {
        return new ApiException(new ApiError.InvalidRequest(message, field, "invalid_value"));
    }

    private static ApiException notFound(String name) {
        return new ApiException(new ApiError.NotFound("No deployment named '" + name + "'. List them with GET "
                + "/api/v1/deployments.", "name", "deployment_not_found"));
    }
}
