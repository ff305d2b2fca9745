package io.kiban.server.routing;

import io.kiban.api.ApiException;
import io.kiban.control.Deployment;
import io.kiban.control.DeploymentSpec;
import io.kiban.control.Replica;
import io.kiban.control.ReplicaEndpoint;
import io.kiban.control.Supervisor;
import io.kiban.gateway.spi.Endpoint;
import io.kiban.gateway.spi.ModelRouter;
import io.kiban.gateway.spi.Principal;
import io.kiban.gateway.spi.Route;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Connects the gateway to the control plane: a model name is a deployment, and an endpoint is one of its ready
 * replicas. The gateway and the control plane do not know each other; this adapter is the only place they meet.
 */
public final class ControlRouter implements ModelRouter {
    private final Supervisor supervisor;
    private final ConcurrentHashMap<String, DeploymentRoute> routes = new ConcurrentHashMap<>();

    public ControlRouter(Supervisor supervisor) {
        this.supervisor = supervisor;
    }

    @Override
    public Route route(String model, Principal principal) {
        Deployment d = supervisor.get(model);
        if (d == null) {
            return null;
        }
        DeploymentRoute r = routes.get(model);
        if (r == null || r.deployment() != d) { // first request, or the deployment was deleted and created again
            r = new DeploymentRoute(d);
            routes.put(model, r);
        }
        return r;
    }

    private record DeploymentRoute(Deployment deployment) implements Route {
        @Override
        public String model() {
            return deployment.name();
        }

        /** The deployment's own hold timeout (its spec, default {@code --hold-timeout}). */
        @Override
        public long holdTimeoutNanos() {
            return deployment.spec().hold().timeout().toNanos();
        }

        @Override
        public Endpoint acquire(byte[] prompt, Set<String> exclude, long deadlineNanos) throws InterruptedException {
            // The deployment waits until the earlier of this deadline and its own hold timeout.
            return endpoint(deployment.acquire(prompt, exclude, deadlineNanos));
        }

        /**
         * {@link Deployment#acquire} with a deadline at the end of the slice. A refusal that comes when the slice has
         * run out is the slice's timeout, not a refusal: null. One that comes earlier (too many waiting, the
         * deployment removed) is the deployment's answer and is thrown.
         */
        @Override
        public Endpoint poll(byte[] prompt, Set<String> exclude, long waitNanos) throws InterruptedException {
            long start = System.nanoTime();
            try {
                return endpoint(deployment.acquire(prompt, exclude, start + waitNanos));
            } catch (ApiException e) {
                if (System.nanoTime() - start >= waitNanos) {
                    return null;
                }
                throw e;
            }
        }

        private static Endpoint endpoint(Replica r) {
            ReplicaEndpoint e = r.endpoint();
            return new Endpoint(r.id(), e.host(), e.port(), e.basePath(), e.authorization());
        }

        @Override
        public void release(Endpoint endpoint, boolean failed) {
            Replica r = deployment.replica(endpoint.id());
            if (r != null) {
                deployment.release(r);
            }
        }

        /**
         * A {@code kiban worker} cannot see that the gateway hung up on a whole response until it writes it, so it is
         * told: {@code POST /kiban/requests/{id}/cancel}. Other runtimes (vLLM, llama-server) stop on the closed
         * connection alone.
         */
        @Override
        public void cancel(Endpoint endpoint, String requestId) {
            if (!deployment.spec().runtime().equals(DeploymentSpec.BUILTIN)) {
                return;
            }
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + endpoint.host() + ":" + endpoint.port()
                            + "/kiban/requests/" + URLEncoder.encode(requestId, StandardCharsets.UTF_8) + "/cancel"))
                    .timeout(Duration.ofSeconds(2)).POST(HttpRequest.BodyPublishers.noBody());
            if (endpoint.authorization() != null) {
                b.header("Authorization", endpoint.authorization());
            }
            try {
                HttpResponse<Void> res = CANCEL_CLIENT.send(b.build(), HttpResponse.BodyHandlers.discarding());
                LOG.log(System.Logger.Level.DEBUG, "{0}: cancel on replica {1}: {2}", requestId, endpoint.id(), res.statusCode());
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "{0}: cancel on replica {1} failed: {2}", requestId, endpoint.id(), e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private static final System.Logger LOG = System.getLogger(ControlRouter.class.getName());

    /** Only for cancellations (rare, off the request path): the relay has its own client. */
    private static final HttpClient CANCEL_CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(1)).build();
}
