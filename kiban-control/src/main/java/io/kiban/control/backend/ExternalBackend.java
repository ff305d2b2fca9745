package io.kiban.control.backend;

import io.kiban.control.DeploymentSpec;
import io.kiban.control.ReplicaEndpoint;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Serves {@code external} deployments: fixed OpenAI-compatible base URLs (an existing vLLM, llama-server, Ollama or
 * another Kiban), one replica per URL, health-checked with {@code GET <base>/models}. Nothing is started or stopped.
 */
public final class ExternalBackend implements Backend {

    @Override
    public boolean supports(String runtime) {
        return runtime.equals(DeploymentSpec.EXTERNAL);
    }

    @Override
    public ReplicaHandle start(DeploymentSpec spec, String replicaId, int ordinal) throws BackendException {
        String url = spec.urls().get(Math.floorMod(ordinal, spec.urls().size()));
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw new BackendException("Invalid URL for " + spec.name() + ": " + url, e);
        }
        if (!"http".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new BackendException("External URLs must be http://host:port/v1 (got " + url + ")", null);
        }
        int port = uri.getPort() > 0 ? uri.getPort() : 80;
        String base = uri.getPath() == null || uri.getPath().isEmpty() ? "" : uri.getPath().replaceAll("/+$", "");
        String auth = spec.apiKey() == null ? null : "Bearer " + spec.apiKey();
        ReplicaEndpoint endpoint = new ReplicaEndpoint(replicaId, uri.getHost(), port, base, auth);
        return new ReplicaHandle() {
            @Override
            public Optional<ReplicaEndpoint> endpoint() {
                return Optional.of(endpoint);
            }

            @Override
            public String healthPath() {
                return spec.readinessPath() != null ? spec.readinessPath() : base + "/models";
            }

            @Override
            public CompletableFuture<Integer> exited() {
                return new CompletableFuture<>();
            }

            @Override
            public long pid() {
                return -1;
            }

            @Override
            public void stop(Duration grace) {
                // Not ours to stop.
            }

            @Override
            public String logLocation() {
                return null;
            }
        };
    }
}
