package io.kiban.gateway;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.gateway.spi.Endpoint;
import io.kiban.gateway.spi.ModelRouter;
import io.kiban.gateway.spi.Principal;
import io.kiban.gateway.spi.Route;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

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
     * A route over a list of endpoints: each attempt gets the first one not excluded; with none left, {@code acquire}
     * answers 503 at once like a route whose replicas are all down, and {@code poll} waits for {@link #add} (a replica
     * becoming ready) up to its slice. Records every acquire, poll and release.
     */
    static final class FakeRoute implements Route {
        private final String model;
        private final List<Endpoint> endpoints;
        final List<Set<String>> excluded = new CopyOnWriteArrayList<>();
        final List<String> releases = new CopyOnWriteArrayList<>();
        final List<Long> polls = new CopyOnWriteArrayList<>();
        volatile RuntimeException failOnRelease;

        FakeRoute(String model, List<Endpoint> endpoints) {
            this.model = model;
            this.endpoints = new CopyOnWriteArrayList<>(endpoints);
        }

        /** Adds an endpoint, as a replica becoming ready, and wakes waiting polls. */
        synchronized void add(Endpoint e) {
            endpoints.add(e);
            notifyAll();
        }

        @Override
        public synchronized Endpoint poll(byte[] prompt, Set<String> exclude, long waitNanos) throws InterruptedException {
            polls.add(waitNanos);
            long deadline = System.nanoTime() + waitNanos;
            while (true) {
                for (Endpoint e : endpoints) {
                    if (!exclude.contains(e.id())) {
                        excluded.add(Set.copyOf(exclude));
                        return e;
                    }
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                TimeUnit.NANOSECONDS.timedWait(this, left);
            }
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
