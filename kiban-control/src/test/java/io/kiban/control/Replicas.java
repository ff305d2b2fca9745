package io.kiban.control;

import io.kiban.control.backend.ReplicaHandle;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** Replicas for tests of the request path, with no process behind them. */
final class Replicas {
    private Replicas() {}

    /** A READY replica of {@code d} with {@code capacity} slots (0: unknown), added to it. */
    static Replica ready(Deployment d, String id, int capacity) {
        Replica r = starting(d, id);
        r.capacity = capacity;
        r.ready(System.nanoTime());
        d.signalReady();
        return r;
    }

    /** A STARTING replica of {@code d}, added to it. */
    static Replica starting(Deployment d, String id) {
        Replica r = new Replica(id, handle(id), d.spec().replicaHash(), false, System.nanoTime());
        r.endpoint(new ReplicaEndpoint(id, "127.0.0.1", 9, "/v1", null));
        d.replicas.add(r);
        return r;
    }

    static ReplicaHandle handle(String id) {
        return new ReplicaHandle() {
            final CompletableFuture<Integer> exited = new CompletableFuture<>();

            @Override
            public Optional<ReplicaEndpoint> endpoint() {
                return Optional.of(new ReplicaEndpoint(id, "127.0.0.1", 9, "/v1", null));
            }

            @Override
            public String healthPath() {
                return "/health";
            }

            @Override
            public CompletableFuture<Integer> exited() {
                return exited;
            }

            @Override
            public long pid() {
                return -1;
            }

            @Override
            public void stop(Duration grace) {
                exited.complete(143);
            }

            @Override
            public String logLocation() {
                return null;
            }
        };
    }
}
