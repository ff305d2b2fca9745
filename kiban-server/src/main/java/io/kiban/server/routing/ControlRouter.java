package io.kiban.server.routing;

import io.kiban.api.ApiException;
import io.kiban.control.Deployment;
import io.kiban.control.Replica;
import io.kiban.control.ReplicaEndpoint;
import io.kiban.control.Supervisor;
import io.kiban.gateway.spi.Endpoint;
import io.kiban.gateway.spi.ModelRouter;
import io.kiban.gateway.spi.Principal;
import io.kiban.gateway.spi.Route;
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
    }
}
