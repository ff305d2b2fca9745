package io.kiban.server.routing;

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

        @Override
        public Endpoint acquire(byte[] prompt, Set<String> exclude, long deadlineNanos) throws InterruptedException {
            // The deployment's own hold timeout (HoldSpec, default --hold-timeout) bounds each attempt's wait, so a
            // deployment may hold longer or shorter than the gateway's default deadline.
            Replica r = deployment.acquire(prompt, exclude, Long.MAX_VALUE);
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
