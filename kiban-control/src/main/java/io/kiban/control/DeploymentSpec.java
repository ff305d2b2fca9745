package io.kiban.control;

import io.kiban.control.autoscale.ScalingSpec;
import io.kiban.control.backend.CommandTemplate;
import io.kiban.control.balance.BalancingPolicy;
import io.kiban.control.model.ModelOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * The desired state of a deployment: what to serve, with which runtime, how many replicas, how requests are
 * balanced and how long they may wait for a replica.
 *
 * <p>Validated on construction (without I/O: that a model file exists and is GGUF is checked by whoever reads the
 * spec from a user); every message names the field in its API spelling.
 *
 * @param name the model name clients use
 * @param runtime {@link #BUILTIN} (a {@code kiban worker} process running llama.cpp), {@link #COMMAND} (any program
 *     that serves an OpenAI-compatible API, started from {@code command}) or {@link #EXTERNAL} (fixed URLs)
 * @param model the GGUF file: required for {@code builtin}; for {@code command}, what {@code {model}} stands for
 * @param command for {@code command}: a template such as {@code llama-server -m {model} --port {port}}; else null
 * @param readinessPath the path GET-probed for readiness and health; null for the runtime's default
 *     ({@code /health} for builtin, {@code /v1/models} for command, {@code <url>/models} for external)
 * @param urls base URLs (ending in {@code /v1}) for {@code external}; one replica per URL
 * @param apiKey the key to send to external URLs, or null
 * @param options per-replica resources and serving options of {@code builtin} replicas (threads, context, slots)
 * @param scaling replica bounds, the concurrency target and the autoscaler's windows and rates
 * @param balancing how a request picks among ready replicas
 * @param hold how many requests may wait for a replica, and for how long
 * @param origin {@link #ORIGIN_API} (created through {@code /api/v1/deployments}) or {@link #ORIGIN_COMMAND_LINE}
 *     ({@code kiban serve --model}, the models directory, {@code --external}: owned by the command line)
 */
public record DeploymentSpec(
        String name,
        String runtime,
        Path model,
        String command,
        String readinessPath,
        List<String> urls,
        String apiKey,
        ModelOptions options,
        ScalingSpec scaling,
        BalancingPolicy balancing,
        HoldSpec hold,
        String origin) {

    public static final String BUILTIN = "builtin";
    public static final String COMMAND = "command";
    public static final String EXTERNAL = "external";
    public static final String ORIGIN_API = "api";
    public static final String ORIGIN_COMMAND_LINE = "command-line";

    /** Model names appear in URLs, metrics, logs and directory names. */
    private static final String NAME_PATTERN = "[A-Za-z0-9][A-Za-z0-9._:-]{0,127}";

    public DeploymentSpec {
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(scaling, "scaling");
        Objects.requireNonNull(balancing, "balancing");
        Objects.requireNonNull(hold, "hold");
        urls = urls == null ? List.of() : List.copyOf(urls);
        if (name == null || !name.matches(NAME_PATTERN)) {
            throw new IllegalArgumentException("name: use letters, digits, '.', '_', '-' or ':' (at most 128 "
                    + "characters), starting with a letter or digit; got '" + name + "'");
        }
        if (!ORIGIN_API.equals(origin) && !ORIGIN_COMMAND_LINE.equals(origin)) {
            throw new IllegalArgumentException("origin must be api or command-line, got " + origin);
        }
        if (readinessPath != null && !readinessPath.startsWith("/")) {
            throw new IllegalArgumentException("readiness_path must start with '/', got '" + readinessPath + "'");
        }
        switch (runtime == null ? "" : runtime) {
            case BUILTIN -> {
                require(model != null, "model: a builtin deployment needs the path of a GGUF file");
                require(command == null, "command: only for runtime command");
                require(urls.isEmpty(), "urls: only for runtime external");
            }
            case COMMAND -> {
                require(command != null && !command.isBlank(), "command: runtime command needs a command template "
                        + "such as 'llama-server -m {model} --port {port}'");
                CommandTemplate t = CommandTemplate.parse(command);
                require(model != null || !t.uses("model"), "model: the command uses {model}, so a model path is needed");
                require(urls.isEmpty(), "urls: only for runtime external");
            }
            case EXTERNAL -> {
                require(!urls.isEmpty(), "urls: an external deployment needs at least one URL such as "
                        + "http://host:8000/v1");
                for (String u : urls) {
                    checkUrl(u);
                }
                require(command == null, "command: only for runtime command");
                require(scaling.minReplicas() == urls.size() && scaling.maxReplicas() == urls.size(),
                        "min_replicas, max_replicas: an external deployment has exactly one replica per URL ("
                                + urls.size() + ")");
            }
            default -> throw new IllegalArgumentException("runtime must be builtin, command or external, got '"
                    + runtime + "'");
        }
    }

    /** A {@code builtin} deployment of one replica, as {@code kiban serve --model} makes. */
    public static DeploymentSpec builtin(String name, Path model, ModelOptions options) {
        return new DeploymentSpec(name, BUILTIN, model, null, null, List.of(), null, options,
                ScalingSpec.of(1, 1, options.parallel()), BalancingPolicy.LEAST_OUTSTANDING, HoldSpec.DEFAULTS,
                ORIGIN_COMMAND_LINE);
    }

    /** An {@code external} deployment, one replica per URL, as {@code kiban serve --external} makes. */
    public static DeploymentSpec external(String name, List<String> urls, String apiKey) {
        return new DeploymentSpec(name, EXTERNAL, null, null, null, urls, apiKey, ModelOptions.DEFAULTS,
                ScalingSpec.of(urls.size(), urls.size(), 64), BalancingPolicy.LEAST_OUTSTANDING, HoldSpec.DEFAULTS,
                ORIGIN_COMMAND_LINE);
    }

    public int minReplicas() {
        return scaling.minReplicas();
    }

    public int maxReplicas() {
        return scaling.maxReplicas();
    }

    public double targetConcurrency() {
        return scaling.targetConcurrency();
    }

    public Duration scaleDownDelay() {
        return scaling.scaleDownDelay();
    }

    /** The path probed for readiness and health, relative to the replica's host and port. */
    public String effectiveReadinessPath() {
        if (readinessPath != null) {
            return readinessPath;
        }
        return switch (runtime) {
            case BUILTIN -> "/health";
            case COMMAND -> "/v1/models";
            default -> "/models"; // appended to the URL's base path by the external backend
        };
    }

    public DeploymentSpec withScaling(ScalingSpec s) {
        return new DeploymentSpec(name, runtime, model, command, readinessPath, urls, apiKey, options, s, balancing,
                hold, origin);
    }

    public DeploymentSpec withHold(HoldSpec h) {
        return new DeploymentSpec(name, runtime, model, command, readinessPath, urls, apiKey, options, scaling,
                balancing, h, origin);
    }

    public DeploymentSpec withBalancing(BalancingPolicy b) {
        return new DeploymentSpec(name, runtime, model, command, readinessPath, urls, apiKey, options, scaling, b,
                hold, origin);
    }

    public DeploymentSpec withOrigin(String o) {
        return new DeploymentSpec(name, runtime, model, command, readinessPath, urls, apiKey, options, scaling,
                balancing, hold, o);
    }

    /**
     * A digest of what one replica runs (runtime, model path, command, readiness path, URLs, key, serving options),
     * not of how many run or how requests reach them. Two specs with the same hash can share replicas: changing
     * only replica bounds, scaling knobs, balancing or holding keeps the running replicas; a server restart adopts
     * replicas whose recorded hash equals their deployment's.
     */
    public String replicaHash() {
        String canonical = String.join("\u0000", runtime, String.valueOf(model), String.valueOf(command),
                effectiveReadinessPath(), String.join(",", urls), String.valueOf(apiKey),
                String.join(" ", options.workerArgs()));
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d, 0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void checkUrl(String url) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("urls: not a URL: '" + url + "'");
        }
        if (!"http".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("urls: use http://host:port/v1 (got '" + url + "')");
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
