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
    private final ConcurrentHashMap<Deployment, DeploymentRoute> routes = new ConcurrentHashMap<>();

    public ControlRouter(Supervisor supervisor) {
        this.supervisor = supervisor;
    }

    @Override
    public Route route(String model, Principal principal) {
        Deployment d = supervisor.get(model);
        if (d == null) {
            return null;
        }
        DeploymentRoute r = routes.get(d);
        return r != null ? r : routes.computeIfAbsent(d, DeploymentRoute::new);
    }

    private record DeploymentRoute(Deployment deployment) implements Route {
        @Override
        public String model() {
            return deployment.name();
        }

        @Override
        public Endpoint acquire(byte[] prompt, Set<String> exclude, long deadlineNanos) throws InterruptedException {
            Replica r = deployment.acquire(exclude, deadlineNanos);
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
