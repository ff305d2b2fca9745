package io.kiban.control.backend;

import io.kiban.control.ReplicaEndpoint;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** One replica as its backend runs it. */
public interface ReplicaHandle {

    /** The endpoint, once the replica listens (for a process: once it wrote its port file). */
    Optional<ReplicaEndpoint> endpoint();

    /** The path to GET for readiness and health, relative to the endpoint's host and port (such as {@code /health}). */
    String healthPath();

    /** Completes with the exit code when the replica's process ends; never for external endpoints. */
    CompletableFuture<Integer> exited();

    /** The process id, or -1 when there is no local process. */
    long pid();

    /** Stops the replica: a polite signal, then a kill after {@code grace}. */
    void stop(Duration grace);

    /** Where its output goes, for operators; may be null. */
    String logLocation();
}
