package io.kiban.gateway;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.gateway.spi.Endpoint;
import io.kiban.gateway.spi.ModelRouter;
import io.kiban.gateway.spi.Principal;
import io.kiban.gateway.spi.Route;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** Routes model names to {@link FakeRoute}s; unknown names get null, as the real router answers. */
final class FakeRouter implements ModelRouter {
    private final Map<String, FakeRoute> routes = new ConcurrentHashMap<>();

    FakeRoute add(String model, Endpoint... endpoints) {
        FakeRoute route = new FakeRoute(model, List.of(endpoints));
        routes.put(model, route);
        return route;
    }

    @Override
    public Route route(String model, Principal principal) {
        return routes.get(model);
    }

    /**
     * A route over a fixed list of endpoints: each attempt gets the first one not excluded; with none left it answers
     * 503 like a route whose replicas are all down. Records every acquire and release.
     */
    static final class FakeRoute implements Route {
        private final String model;
        private final List<Endpoint> endpoints;
        final List<Set<String>> excluded = new CopyOnWriteArrayList<>();
        final List<String> releases = new CopyOnWriteArrayList<>();
        volatile RuntimeException failOnRelease;

        FakeRoute(String model, List<Endpoint> endpoints) {
            this.model = model;
            this.endpoints = new ArrayList<>(endpoints);
        }

        @Override
        public String model() {
            return model;
        }

        @Override
        public Endpoint acquire(byte[] prompt, Set<String> exclude, long deadlineNanos) {
            excluded.add(Set.copyOf(exclude));
            for (Endpoint e : endpoints) {
                if (!exclude.contains(e.id())) {
                    return e;
                }
            }
            throw new ApiException(new ApiError.ModelUnavailable("No replica of '" + model + "' is ready.", "no_replica", Duration.ofSeconds(5)));
        }

        @Override
        public void release(Endpoint endpoint, boolean failed) {
            releases.add(endpoint.id() + (failed ? " failed" : " ok"));
            if (failOnRelease != null) {
                throw failOnRelease;
            }
        }
    }
}
