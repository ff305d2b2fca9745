package io.kiban.control.backend;

import io.kiban.control.DeploymentSpec;
import io.kiban.control.ReplicaEndpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code builtin} replicas as local {@code kiban worker} processes on loopback.
 *
 * <p>Each replica gets its own run directory (port file, temp dir: the llama.cpp binding unpacks its native library
 * under a fixed name, so workers must not share one) and a log file. The worker binds a free port and writes it to
 * its port file once the model is loaded; it accepts only requests carrying the per-replica token, passed in the
 * environment (never on the command line, where other users could read it).
 *
 * @see io.kiban.control.Supervisor for health checks and restarts
 */
public final class ProcessBackend implements Backend {
    private static final SecureRandom RANDOM = new SecureRandom();

    /**
     * @param workerCommand the command that starts {@code kiban worker}, without its options (for example
     *     {@code java -cp ... io.kiban.worker.WorkerMain})
     */
    public record Config(List<String> workerCommand, Path runDir, Path logDir) {}

    private final Config config;

    public ProcessBackend(Config config) {
        this.config = config;
    }

    @Override
    public boolean supports(String runtime) {
        return runtime.equals("builtin");
    }

    @Override
    public ReplicaHandle start(DeploymentSpec spec, String replicaId, int ordinal) throws BackendException {
        Path dir = config.runDir().resolve(replicaId);
        Path tmp = dir.resolve("tmp");
        Path portFile = dir.resolve("port");
        Path log = config.logDir().resolve(replicaId + ".log");
        try {
            Files.createDirectories(tmp);
            Files.createDirectories(config.logDir());
            Files.deleteIfExists(portFile);
        } catch (IOException e) {
            throw new BackendException("Cannot prepare " + dir + ": " + e.getMessage(), e);
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(config.workerCommand().getFirst());
        cmd.add("-Djava.io.tmpdir=" + tmp);
        cmd.addAll(config.workerCommand().subList(1, config.workerCommand().size()));
        cmd.addAll(List.of("--model", spec.model().toString(), "--name", spec.name(), "--port", "0",
                "--port-file", portFile.toString()));
        cmd.addAll(spec.options().workerArgs());
        byte[] secret = new byte[24];
        RANDOM.nextBytes(secret);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().put("KIBAN_WORKER_TOKEN", token);
        try {
            Files.writeString(log, "---- " + java.time.Instant.now() + " starting " + replicaId + ": " + String.join(" ",
                    cmd.subList(cmd.indexOf("--model"), cmd.size())) + System.lineSeparator(),
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            Process p = pb.start();
            return new ProcessReplica(p, portFile, dir, "Bearer " + token, log);
        } catch (IOException e) {
            throw new BackendException("Cannot start a worker for " + spec.name() + ": " + e.getMessage(), e);
        }
    }

    /** A worker process. */
    static final class ProcessReplica implements ReplicaHandle {
        private final Process process;
        private final Path portFile;
        private final Path dir;
        private final String authorization;
        private final Path log;
        private volatile ReplicaEndpoint endpoint;

        ProcessReplica(Process process, Path portFile, Path dir, String authorization, Path log) {
            this.process = process;
            this.portFile = portFile;
            this.dir = dir;
            this.authorization = authorization;
            this.log = log;
        }

        @Override
        public Optional<ReplicaEndpoint> endpoint() {
            if (endpoint == null && Files.exists(portFile)) {
                try {
                    int port = Integer.parseInt(Files.readString(portFile).trim());
                    endpoint = new ReplicaEndpoint(dir.getFileName().toString(), "127.0.0.1", port, "/v1", authorization);
                } catch (IOException | NumberFormatException e) {
                    return Optional.empty(); // written atomically, so this is a race with deletion; try again later
                }
            }
            return Optional.ofNullable(endpoint);
        }

        @Override
        public String healthPath() {
            return "/health";
        }

        @Override
        public CompletableFuture<Integer> exited() {
            return process.onExit().thenApply(Process::exitValue);
        }

        @Override
        public long pid() {
            return process.pid();
        }

        @Override
        public void stop(Duration grace) {
            process.destroy();
            try {
                if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            deleteTree(dir);
        }

        @Override
        public String logLocation() {
            return log.toString();
        }

        private static void deleteTree(Path dir) {
            try (var paths = Files.walk(dir)) {
                paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> {
                    try {
                        Files.deleteIfExists(p);
                    } catch (IOException ignored) {
                        // Best effort: a later start cleans the directory again.
                    }
                });
            } catch (IOException ignored) {
                // Already gone.
            }
        }
    }
}
