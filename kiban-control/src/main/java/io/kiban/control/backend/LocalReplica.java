package io.kiban.control.backend;

import io.kiban.control.ReplicaEndpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A replica that is a process on this machine: one {@code ProcessBackend} started, or one an earlier server started
 * and this one adopted (then only its {@link ProcessHandle} is known, and its exit code is not: it reads -1).
 *
 * <p>The endpoint is on loopback: a fixed port ({@code command} runtime), or the port the worker writes to its port
 * file once it listens ({@code builtin}). Stopping sends SIGTERM, then SIGKILL after the grace period, and deletes
 * the run directory; a second stop finds the process gone and the directory deleted, and does nothing.
 */
final class LocalReplica implements ReplicaHandle {
    private final String replicaId;
    private final ProcessHandle process;
    private final CompletableFuture<Integer> exited;
    private final Path dir;
    private final Path portFile;
    private final String authorization;
    private final String healthPath;
    private final Path log;
    private volatile ReplicaEndpoint endpoint;

    private LocalReplica(String replicaId, ProcessHandle process, CompletableFuture<Integer> exited, Path dir,
            Path portFile, int port, String authorization, String healthPath, Path log) {
        this.replicaId = replicaId;
        this.process = process;
        this.exited = exited;
        this.dir = dir;
        this.portFile = portFile;
        this.authorization = authorization;
        this.healthPath = healthPath;
        this.log = log;
        if (port > 0) {
            endpoint = new ReplicaEndpoint(replicaId, "127.0.0.1", port, "/v1", authorization);
        }
    }

    /** A process this server started; {@code port} 0 means "read it from the port file". */
    static LocalReplica started(String replicaId, Process p, Path dir, Path portFile, int port, String authorization,
            String healthPath, Path log) {
        return new LocalReplica(replicaId, p.toHandle(), p.onExit().thenApply(Process::exitValue), dir, portFile, port,
                authorization, healthPath, log);
    }

    /** A process an earlier server started, described by its record. */
    static LocalReplica adopted(ReplicaRecord r, ProcessHandle ph, Path dir) {
        return new LocalReplica(r.replicaId(), ph, ph.onExit().thenApply(h -> -1), dir, dir.resolve("port"), r.port(),
                r.authorization(), r.healthPath(), Path.of(r.log()));
    }

    @Override
    public Optional<ReplicaEndpoint> endpoint() {
        if (endpoint == null && Files.exists(portFile)) {
            try {
                int port = Integer.parseInt(Files.readString(portFile).trim());
                endpoint = new ReplicaEndpoint(replicaId, "127.0.0.1", port, "/v1", authorization);
            } catch (IOException | NumberFormatException e) {
                return Optional.empty(); // written atomically, so this is a race with deletion; try again later
            }
        }
        return Optional.ofNullable(endpoint);
    }

    @Override
    public String healthPath() {
        return healthPath;
    }

    @Override
    public CompletableFuture<Integer> exited() {
        return exited;
    }

    @Override
    public long pid() {
        return process.pid();
    }

    @Override
    public void stop(Duration grace) {
        stop(process, exited, grace);
        deleteTree(dir);
    }

    /** SIGTERM, then SIGKILL after {@code grace}; waits (bounded) for the exit. */
    static void stop(ProcessHandle process, CompletableFuture<?> exited, Duration grace) {
        if (process.isAlive()) {
            process.destroy();
            try {
                exited.get(grace.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                process.destroyForcibly();
                try {
                    exited.get(5, TimeUnit.SECONDS);
                } catch (TimeoutException | ExecutionException ignored) {
                    // Nothing more we can do; the OS reaps it.
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            } catch (ExecutionException ignored) {
                // Exit observed.
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String logLocation() {
        return log.toString();
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // Best effort: stopUnadopted at the next start cleans the directory again.
                }
            });
        } catch (IOException | java.io.UncheckedIOException ignored) {
            // Already gone.
        }
    }
}
