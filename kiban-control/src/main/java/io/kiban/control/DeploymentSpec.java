package io.kiban.control;

import io.kiban.control.model.ModelOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The desired state of a deployment: what to serve, with which runtime, and how many replicas.
 *
 * @param name the model name clients use
 * @param runtime {@code builtin} (a {@code kiban worker} process running llama.cpp) or {@code external} (fixed
 *     OpenAI-compatible URLs)
 * @param model the GGUF file for {@code builtin}; null for {@code external}
 * @param urls base URLs (ending in {@code /v1}) for {@code external}
 * @param apiKey the key to send to external URLs, or null
 * @param minReplicas replicas kept running even without traffic (0 allows scale to zero)
 * @param maxReplicas most replicas the autoscaler may start
 * @param targetConcurrency in-flight requests per replica the autoscaler aims for
 */
public record DeploymentSpec(
        String name,
        String runtime,
        Path model,
        List<String> urls,
        String apiKey,
        ModelOptions options,
        int minReplicas,
        int maxReplicas,
        int targetConcurrency,
        Duration scaleDownDelay) {

    public static DeploymentSpec builtin(String name, Path model, ModelOptions options) {
        return new DeploymentSpec(name, "builtin", model, List.of(), null, options, 1, 1, options.parallel(),
                Duration.ofMinutes(5));
    }

    public static DeploymentSpec external(String name, List<String> urls, String apiKey) {
        return new DeploymentSpec(name, "external", null, List.copyOf(urls), apiKey, ModelOptions.DEFAULTS, urls.size(),
                urls.size(), 64, Duration.ZERO);
    }
}
