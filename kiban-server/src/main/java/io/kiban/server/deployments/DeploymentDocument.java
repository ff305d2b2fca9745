package io.kiban.server.deployments;

import io.kiban.api.Json;
import io.kiban.control.DeploymentSpec;
import io.kiban.control.HoldSpec;
import io.kiban.control.autoscale.ScalingSpec;
import io.kiban.control.balance.BalancingPolicy;
import io.kiban.control.model.ModelOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The JSON form of a deployment spec, as {@code /api/v1/deployments} reads and shows it and as the store keeps it:
 *
 * <pre>{@code
 * {"name": "stories", "runtime": "builtin", "model": "/models/stories260K.gguf",
 *  "min_replicas": 0, "max_replicas": 3, "target_concurrency": 4, "scale_down_delay_seconds": 0,
 *  "resources": {"threads": 1, "context_size": 2048, "parallel": 4, "queue": 64},   (threads, context_size 0: default)
 *  "embeddings": false, "template": "auto", "balancing": "least-outstanding",
 *  "autoscaling": {"stable_window_seconds": 60, "panic_window_seconds": 6, "panic_threshold": 2.0,
 *                  "max_scale_up_rate": 1000, "max_scale_down_rate": 2, "scale_to_zero_grace_seconds": 30,
 *                  "activation_scale": 1},
 *  "hold": {"max_waiting": 512, "timeout_seconds": 60}}
 * }</pre>
 *
 * plus {@code command} and {@code readiness_path} for {@code runtime: command}, {@code urls} and {@code api_key}
 * for {@code runtime: external}. Reading is strict: an unknown field, a wrong type or a bad value is an
 * {@link Invalid} that names the field; absent fields take their defaults. Shown documents never contain the
 * {@code api_key}; stored ones do (the server needs it to call the external URLs).
 */
public final class DeploymentDocument {
    private static final Set<String> TOP = Set.of("name", "runtime", "model", "command", "readiness_path", "urls",
            "api_key", "min_replicas", "max_replicas", "target_concurrency", "scale_down_delay_seconds", "resources",
            "embeddings", "template", "balancing", "autoscaling", "hold");
    private static final Set<String> RESOURCES = Set.of("threads", "context_size", "parallel", "queue");
    private static final Set<String> AUTOSCALING = Set.of("stable_window_seconds", "panic_window_seconds",
            "panic_threshold", "max_scale_up_rate", "max_scale_down_rate", "scale_to_zero_grace_seconds",
            "activation_scale");
    private static final Set<String> HOLD = Set.of("max_waiting", "timeout_seconds");

    private DeploymentDocument() {}

    /** A spec that cannot be accepted; {@link #field()} names the JSON field at fault, or null. */
    public static final class Invalid extends IllegalArgumentException {
        private final String field;

        Invalid(String field, String message) {
            super(message);
            this.field = field;
        }

        public String field() {
            return field;
        }
    }

    /**
     * Reads a spec.
     *
     * @param holdTimeout the hold timeout when the document sets none ({@code kiban serve --hold-timeout})
     */
    public static DeploymentSpec read(JsonNode doc, String origin, Duration holdTimeout) {
        if (doc == null || !doc.isObject()) {
            throw new Invalid(null, "The body must be a JSON object describing the deployment.");
        }
        only(doc, TOP, "");
        JsonNode resources = object(doc, "resources", RESOURCES);
        JsonNode autoscaling = object(doc, "autoscaling", AUTOSCALING);
        JsonNode hold = object(doc, "hold", HOLD);

        String name = string(doc, "name");
        if (name == null) {
            throw new Invalid("name", "name: required, e.g. \"stories\" (the model name clients send)");
        }
        List<String> urls = strings(doc, "urls");
        String command = string(doc, "command");
        String runtime = string(doc, "runtime");
        if (runtime == null) {
            runtime = !urls.isEmpty() ? DeploymentSpec.EXTERNAL : command != null ? DeploymentSpec.COMMAND
                    : DeploymentSpec.BUILTIN;
        }
        String model = string(doc, "model");

        Properties opts = new Properties();
        put(opts, "parallel", integer(resources, "resources.parallel", "parallel"));
        put(opts, "queue", integer(resources, "resources.queue", "queue"));
        put(opts, "ctx-size", zeroIsDefault(integer(resources, "resources.context_size", "context_size")));
        put(opts, "threads", zeroIsDefault(integer(resources, "resources.threads", "threads")));
        Boolean embeddings = bool(doc, "embeddings");
        put(opts, "embeddings", embeddings);
        put(opts, "template", string(doc, "template"));
        ModelOptions options;
        try {
            options = ModelOptions.of(opts);
        } catch (IllegalArgumentException e) {
            String key = e.getMessage().split(" ")[0];
            throw new Invalid(key.equals("template") ? "template" : "resources", "resources: " + e.getMessage()
                    .replace("ctx-size", "context_size"));
        }

        boolean external = runtime.equals(DeploymentSpec.EXTERNAL);
        Integer min = integer(doc, "min_replicas", "min_replicas");
        Integer max = integer(doc, "max_replicas", "max_replicas");
        int minReplicas = min != null ? min : external ? urls.size() : 1;
        int maxReplicas = max != null ? max : external ? urls.size() : Math.max(minReplicas, 1);
        Double target = number(doc, "target_concurrency");
        double targetConcurrency = target != null ? target : runtime.equals(DeploymentSpec.BUILTIN) ? options.parallel() : 8;
        ScalingSpec scaling;
        try {
            scaling = new ScalingSpec(minReplicas, maxReplicas, targetConcurrency,
                    seconds(autoscaling, "autoscaling.stable_window_seconds", "stable_window_seconds",
                            ScalingSpec.DEFAULT_STABLE_WINDOW),
                    seconds(autoscaling, "autoscaling.panic_window_seconds", "panic_window_seconds",
                            ScalingSpec.DEFAULT_PANIC_WINDOW),
                    orDefault(number(autoscaling, "panic_threshold"), ScalingSpec.DEFAULT_PANIC_THRESHOLD),
                    orDefault(number(autoscaling, "max_scale_up_rate"), ScalingSpec.DEFAULT_MAX_SCALE_UP_RATE),
                    orDefault(number(autoscaling, "max_scale_down_rate"), ScalingSpec.DEFAULT_MAX_SCALE_DOWN_RATE),
                    seconds(doc, "scale_down_delay_seconds", "scale_down_delay_seconds",
                            ScalingSpec.DEFAULT_SCALE_DOWN_DELAY),
                    seconds(autoscaling, "autoscaling.scale_to_zero_grace_seconds", "scale_to_zero_grace_seconds",
                            ScalingSpec.DEFAULT_SCALE_TO_ZERO_GRACE),
                    orDefault(integer(autoscaling, "autoscaling.activation_scale", "activation_scale"),
                            ScalingSpec.DEFAULT_ACTIVATION_SCALE));
        } catch (IllegalArgumentException e) {
            throw new Invalid(scalingField(e.getMessage()), apiNames(e.getMessage()));
        }
        HoldSpec holdSpec;
        try {
            holdSpec = new HoldSpec(orDefault(integer(hold, "hold.max_waiting", "max_waiting"), HoldSpec.DEFAULTS.maxWaiting()),
                    seconds(hold, "hold.timeout_seconds", "timeout_seconds", holdTimeout));
        } catch (IllegalArgumentException e) {
            throw new Invalid("hold", e.getMessage());
        }
        BalancingPolicy balancing = BalancingPolicy.LEAST_OUTSTANDING;
        String b = string(doc, "balancing");
        if (b != null) {
            try {
                balancing = BalancingPolicy.parse(b);
            } catch (IllegalArgumentException e) {
                throw new Invalid("balancing", "balancing: " + e.getMessage());
            }
        }
        try {
            return new DeploymentSpec(name, runtime, model == null ? null : Path.of(model), command,
                    string(doc, "readiness_path"), urls, string(doc, "api_key"), options, scaling, balancing, holdSpec,
                    origin);
        } catch (java.nio.file.InvalidPathException e) {
            throw new Invalid("model", "model: not a valid path: " + e.getMessage());
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            int colon = m.indexOf(':');
            String field = colon > 0 && TOP.contains(m.substring(0, colon).split(",")[0].trim())
                    ? m.substring(0, colon).split(",")[0].trim() : null;
            throw new Invalid(field, m);
        }
    }

    /**
     * The complete document of a spec, every field filled in.
     *
     * @param withSecrets include {@code api_key} (for the store; never for API responses)
     */
    public static ObjectNode write(DeploymentSpec s, boolean withSecrets) {
        ObjectNode d = Json.MAPPER.createObjectNode();
        d.put("name", s.name());
        d.put("runtime", s.runtime());
        if (s.model() != null) {
            d.put("model", s.model().toString());
        }
        if (s.command() != null) {
            d.put("command", s.command());
        }
        if (s.readinessPath() != null) {
            d.put("readiness_path", s.readinessPath());
        }
        if (!s.urls().isEmpty()) {
            var arr = d.putArray("urls");
            s.urls().forEach(arr::add);
        }
        if (withSecrets && s.apiKey() != null) {
            d.put("api_key", s.apiKey());
        }
        ScalingSpec sc = s.scaling();
        d.put("min_replicas", sc.minReplicas());
        d.put("max_replicas", sc.maxReplicas());
        d.put("target_concurrency", sc.targetConcurrency());
        d.put("scale_down_delay_seconds", secs(sc.scaleDownDelay()));
        ObjectNode r = d.putObject("resources");
        ModelOptions o = s.options();
        r.put("threads", o.threads());
        r.put("context_size", o.contextSize());
        r.put("parallel", o.parallel());
        r.put("queue", o.queue());
        d.put("embeddings", o.embeddings());
        d.put("template", o.template());
        d.put("balancing", s.balancing().configName());
        ObjectNode a = d.putObject("autoscaling");
        a.put("stable_window_seconds", secs(sc.stableWindow()));
        a.put("panic_window_seconds", secs(sc.panicWindow()));
        a.put("panic_threshold", sc.panicThreshold());
        a.put("max_scale_up_rate", sc.maxScaleUpRate());
        a.put("max_scale_down_rate", sc.maxScaleDownRate());
        a.put("scale_to_zero_grace_seconds", secs(sc.scaleToZeroGrace()));
        a.put("activation_scale", sc.activationScale());
        ObjectNode h = d.putObject("hold");
        h.put("max_waiting", s.hold().maxWaiting());
        h.put("timeout_seconds", secs(s.hold().timeout()));
        return d;
    }

    /**
     * {@code base} with {@code patch} applied as a JSON merge patch (RFC 7386): objects merge field by field, a
     * null removes a field (it takes its default again), anything else replaces.
     */
    public static ObjectNode merge(ObjectNode base, JsonNode patch) {
        if (patch == null || !patch.isObject()) {
            throw new Invalid(null, "The body must be a JSON object with the fields to change.");
        }
        ObjectNode out = base.deepCopy();
        for (Map.Entry<String, JsonNode> e : patch.properties()) {
            JsonNode v = e.getValue();
            if (v.isNull()) {
                out.remove(e.getKey());
            } else if (v.isObject() && out.get(e.getKey()) instanceof ObjectNode inner) {
                out.set(e.getKey(), merge(inner, v));
            } else {
                out.set(e.getKey(), v);
            }
        }
        return out;
    }

    private static double secs(Duration d) {
        return d.toNanos() / 1e9;
    }

    private static void only(JsonNode node, Set<String> allowed, String prefix) {
        for (String f : node.propertyNames()) {
            if (!allowed.contains(f)) {
                throw new Invalid(prefix + f, "Unknown field '" + prefix + f + "'. Known: "
                        + String.join(", ", allowed.stream().sorted().map(a -> prefix + a).toList()) + ".");
            }
        }
    }

    private static JsonNode object(JsonNode doc, String field, Set<String> allowed) {
        JsonNode v = doc.get(field);
        if (v == null || v.isNull()) {
            return Json.MAPPER.createObjectNode();
        }
        if (!v.isObject()) {
            throw new Invalid(field, field + ": must be an object with " + String.join(", ", allowed.stream().sorted().toList()));
        }
        only(v, allowed, field + ".");
        return v;
    }

    private static String string(JsonNode doc, String field) {
        JsonNode v = doc.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isString() || v.asString().isBlank()) {
            throw new Invalid(field, field + ": must be a non-empty string");
        }
        return v.asString();
    }

    private static List<String> strings(JsonNode doc, String field) {
        JsonNode v = doc.get(field);
        if (v == null || v.isNull()) {
            return List.of();
        }
        if (v.isString()) {
            return List.of(v.asString());
        }
        if (!v.isArray()) {
            throw new Invalid(field, field + ": must be a list of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isString()) {
                throw new Invalid(field, field + ": must be a list of strings");
            }
            out.add(e.asString());
        }
        return out;
    }

    private static Integer integer(JsonNode doc, String path, String field) {
        JsonNode v = doc.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new Invalid(path, path + ": must be a whole number");
        }
        return v.asInt();
    }

    private static Double number(JsonNode doc, String field) {
        JsonNode v = doc.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber()) {
            throw new Invalid(field, field + ": must be a number");
        }
        return v.asDouble();
    }

    private static Boolean bool(JsonNode doc, String field) {
        JsonNode v = doc.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isBoolean()) {
            throw new Invalid(field, field + ": must be true or false");
        }
        return v.asBoolean();
    }

    private static Duration seconds(JsonNode doc, String path, String field, Duration dflt) {
        JsonNode v = doc.get(field);
        if (v == null || v.isNull()) {
            return dflt;
        }
        if (!v.isNumber() || v.asDouble() < 0 || v.asDouble() > 7 * 24 * 3600) {
            throw new Invalid(path, path + ": must be a number of seconds between 0 and 604800");
        }
        return Duration.ofNanos(Math.round(v.asDouble() * 1e9));
    }

    private static void put(Properties p, String key, Object value) {
        if (value != null) {
            p.setProperty(key, value.toString());
        }
    }

    /** {@code threads} and {@code context_size} 0 mean "the default" (half the cores; the model's context). */
    private static Integer zeroIsDefault(Integer v) {
        return v != null && v == 0 ? null : v;
    }

    private static <T> T orDefault(T v, T dflt) {
        return v != null ? v : dflt;
    }

    /** The field a {@link ScalingSpec} message is about, in the document's spelling. */
    private static String scalingField(String message) {
        String first = message.split(" ")[0];
        return switch (first) {
            case "minReplicas" -> "min_replicas";
            case "maxReplicas" -> "max_replicas";
            case "targetConcurrency" -> "target_concurrency";
            case "scaleDownDelay" -> "scale_down_delay_seconds";
            default -> "autoscaling";
        };
    }

    /** A {@link ScalingSpec} message with its Java names replaced by the document's. */
    private static String apiNames(String message) {
        return message.replace("minReplicas", "min_replicas").replace("maxReplicas", "max_replicas")
                .replace("targetConcurrency", "target_concurrency").replace("stableWindow", "autoscaling.stable_window_seconds")
                .replace("panicWindow", "autoscaling.panic_window_seconds").replace("panicThreshold", "autoscaling.panic_threshold")
                .replace("maxScaleUpRate", "autoscaling.max_scale_up_rate").replace("maxScaleDownRate", "autoscaling.max_scale_down_rate")
                .replace("scaleDownDelay", "scale_down_delay_seconds").replace("scaleToZeroGrace", "autoscaling.scale_to_zero_grace_seconds")
                .replace("activationScale", "autoscaling.activation_scale");
    }
}
