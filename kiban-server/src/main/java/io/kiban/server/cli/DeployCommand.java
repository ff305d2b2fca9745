package io.kiban.server.cli;

import io.kiban.api.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * {@code kiban deploy NAME …}: creates or replaces a deployment ({@code PUT /api/v1/deployments/NAME}). Options not
 * given take their defaults, so the command line is the whole spec.
 */
@Command(name = "deploy", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Create or replace a deployment on a running server (PUT /api/v1/deployments/NAME).",
            "Examples:",
            "  kiban deploy stories --model /models/stories260K.gguf --min 0 --max 3",
            "  kiban deploy qwen --command 'llama-server -m {model} --port {port}' --model /m/qwen.gguf --max 2",
            "  kiban deploy big --external http://gpu1:8000/v1 --external http://gpu2:8000/v1"})
public final class DeployCommand implements Callable<Integer> {
    @Mixin
    RemoteOptions remote;

    @Parameters(index = "0", paramLabel = "NAME", description = "The model name clients will use.")
    String name;

    @Option(names = "--model", paramLabel = "PATH", description = "GGUF file (builtin), or what {model} stands for (command).")
    String model;

    @Option(names = "--command", paramLabel = "TEMPLATE", description = "Run any OpenAI-compatible server: a template "
            + "with {port} (and {model}, {host}, {name}, {replica}, {token}); sets --runtime command.")
    String command;

    @Option(names = "--external", paramLabel = "URL", description = "An existing OpenAI-compatible endpoint "
            + "(repeatable), such as http://gpu1:8000/v1; sets --runtime external.")
    List<String> urls = new ArrayList<>();

    @Option(names = "--runtime", description = "builtin, command or external (default: from the options above).")
    String runtime;

    @Option(names = "--min", description = "Fewest replicas; 0 allows scale to zero (default 1).")
    Integer min;

    @Option(names = "--max", description = "Most replicas (default: --min, at least 1).")
    Integer max;

    @Option(names = "--target", description = "Concurrent requests per replica the autoscaler aims for (default: --parallel).")
    Double target;

    @Option(names = "--parallel", description = "Requests generated at once per replica (llama.cpp slots; default 4).")
    Integer parallel;

    @Option(names = "--threads", description = "Decoding threads per replica.")
    Integer threads;

    @Option(names = "--ctx-size", description = "Tokens per request, prompt plus output.")
    Integer contextSize;

    @Option(names = "--queue", description = "Requests that may wait inside a replica.")
    Integer queue;

    @Option(names = "--embeddings", description = "Serve /v1/embeddings instead of generation.")
    Boolean embeddings;

    @Option(names = "--template", description = "Chat template: auto, gguf, chatml or plain.")
    String template;

    @Option(names = "--balancing", description = "least-outstanding or prefix-affinity.")
    String balancing;

    @Option(names = "--readiness-path", description = "Path probed for readiness (command runtime; default /v1/models).")
    String readinessPath;

    @Option(names = "--api-key-env", paramLabel = "VAR", description = "Environment variable holding the key for --external endpoints.")
    String apiKeyEnv;

    @Option(names = "--scale-down-delay", paramLabel = "SECONDS", description = "Keep replicas this long after load drops.")
    Double scaleDownDelay;

    @Option(names = "--stable-window", paramLabel = "SECONDS", description = "Autoscaler averaging window (default 60).")
    Double stableWindow;

    @Option(names = "--panic-window", paramLabel = "SECONDS", description = "Burst-detection window (default 6).")
    Double panicWindow;

    @Option(names = "--scale-to-zero-grace", paramLabel = "SECONDS", description = "Last replica kept this long when idle (default 30).")
    Double scaleToZeroGrace;

    @Option(names = "--hold-timeout", paramLabel = "SECONDS", description = "How long a request may wait for a replica "
            + "(default: the server's --hold-timeout).")
    Double holdTimeout;

    @Option(names = "--max-waiting", description = "Requests that may wait for a replica at once (default 512).")
    Integer maxWaiting;

    @Override
    public Integer call() {
        return Cli.run(() -> {
            JsonNode view = new ApiClient(remote).put("/api/v1/deployments/" + name, body());
            if (remote.json()) {
                System.out.println(Json.writeString(view));
            } else {
                DeploymentsCommand.summary(view);
            }
        });
    }

    ObjectNode body() {
        ObjectNode b = Json.MAPPER.createObjectNode();
        b.put("name", name);
        if (runtime != null) {
            b.put("runtime", runtime);
        }
        if (model != null) {
            // A relative path means this machine's working directory; the server may run elsewhere.
            b.put("model", command == null && !model.contains("://") ? Path.of(model).toAbsolutePath().normalize().toString() : model);
        }
        if (command != null) {
            b.put("command", command);
        }
        if (!urls.isEmpty()) {
            urls.forEach(b.putArray("urls")::add);
        }
        if (apiKeyEnv != null) {
            String key = System.getenv(apiKeyEnv);
            if (key == null) {
                throw new ApiClient.CliException("The environment variable " + apiKeyEnv + " is not set.", 2);
            }
            b.put("api_key", key);
        }
        putIf(b, "min_replicas", min);
        putIf(b, "max_replicas", max);
        putIf(b, "target_concurrency", target);
        putIf(b, "scale_down_delay_seconds", scaleDownDelay);
        putIf(b, "embeddings", embeddings);
        putIf(b, "template", template);
        putIf(b, "balancing", balancing);
        putIf(b, "readiness_path", readinessPath);
        ObjectNode res = Json.MAPPER.createObjectNode();
        putIf(res, "parallel", parallel);
        putIf(res, "threads", threads);
        putIf(res, "context_size", contextSize);
        putIf(res, "queue", queue);
        if (!res.isEmpty()) {
            b.set("resources", res);
        }
        ObjectNode auto = Json.MAPPER.createObjectNode();
        putIf(auto, "stable_window_seconds", stableWindow);
        putIf(auto, "panic_window_seconds", panicWindow);
        putIf(auto, "scale_to_zero_grace_seconds", scaleToZeroGrace);
        if (!auto.isEmpty()) {
            b.set("autoscaling", auto);
        }
        ObjectNode hold = Json.MAPPER.createObjectNode();
        putIf(hold, "timeout_seconds", holdTimeout);
        putIf(hold, "max_waiting", maxWaiting);
        if (!hold.isEmpty()) {
            b.set("hold", hold);
        }
        return b;
    }

    private static void putIf(ObjectNode n, String field, Object v) {
        switch (v) {
            case null -> { }
            case Integer i -> n.put(field, i);
            case Double d -> n.put(field, d);
            case Boolean bo -> n.put(field, bo);
            default -> n.put(field, v.toString());
        }
    }
}
