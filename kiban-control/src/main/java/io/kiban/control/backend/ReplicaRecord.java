package io.kiban.control.backend;

import io.kiban.api.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * What {@link ProcessBackend} writes next to each process it starts ({@code RUN_DIR/<dir>/replica.json}), so that a
 * restarted server can adopt the replica or, if no deployment wants it, recognise and stop it.
 *
 * <p>The file holds the replica's bearer token, so it is readable by its owner only. A process is taken to be the
 * one recorded only if its pid is alive, it started at the recorded instant (a recycled pid starts later) and its
 * working directory is the record's directory (every process the backend starts runs there).
 *
 * @param replicaId the replica's id, or the standby's directory name for an idle pool worker
 * @param deployment the deployment it serves; empty for an idle pool worker
 * @param runtime {@code builtin}, {@code command} or {@code standby}
 * @param replicaHash the {@code DeploymentSpec.replicaHash()} it was started from
 * @param pid the process id
 * @param startedAt the process's start instant as the OS reports it
 * @param port the port it listens on, or 0 when it writes a port file ({@code builtin})
 * @param authorization the Authorization header it expects, or null
 * @param healthPath the readiness and health path
 * @param log its log file
 */
public record ReplicaRecord(String replicaId, String deployment, String runtime, String replicaHash, long pid,
        Instant startedAt, int port, String authorization, String healthPath, String log) {

    static final String FILE = "replica.json";
    private static final Duration START_TOLERANCE = Duration.ofSeconds(1);

    /** Writes the record atomically, readable by the owner only. */
    void write(Path dir) throws IOException {
        Path tmp = dir.resolve(FILE + ".tmp");
        Files.deleteIfExists(tmp);
        try {
            Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (UnsupportedOperationException notPosix) {
            Files.createFile(tmp);
        }
        Files.write(tmp, Json.write(this), StandardOpenOption.TRUNCATE_EXISTING);
        Files.move(tmp, dir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The record in {@code dir}, or empty when there is none or it cannot be read. */
    static Optional<ReplicaRecord> read(Path dir) {
        Path f = dir.resolve(FILE);
        if (!Files.isRegularFile(f)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Json.MAPPER.readValue(Files.readAllBytes(f), ReplicaRecord.class));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** The recorded process, if it is still running and is the one recorded (see the class notes). */
    Optional<ProcessHandle> liveProcess(Path dir) {
        Optional<ProcessHandle> ph = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
        if (ph.isEmpty()) {
            return Optional.empty();
        }
        Instant started = ph.get().info().startInstant().orElse(null);
        if (started == null || startedAt == null
                || Duration.between(started, startedAt).abs().compareTo(START_TOLERANCE) > 0) {
            return Optional.empty();
        }
        return runsIn(pid, dir) ? ph : Optional.empty();
    }

    /** Whether the process's working directory is {@code dir} (Linux {@code /proc}). */
    static boolean runsIn(long pid, Path dir) {
        try {
            Path cwd = Files.readSymbolicLink(Path.of("/proc", Long.toString(pid), "cwd"));
            return cwd.normalize().equals(dir.toRealPath());
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
