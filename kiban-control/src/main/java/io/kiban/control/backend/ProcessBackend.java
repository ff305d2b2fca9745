package io.kiban.control.backend;

import io.kiban.api.Json;
import io.kiban.control.DeploymentSpec;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs replicas as processes on this machine: {@code builtin} ones as {@code kiban worker} processes, {@code command}
 * ones as the program their template names, all on loopback.
 *
 * <h2>Implementation notes</h2>
 *
 * <p><b>Files.</b> Each process gets a run directory ({@code RUN_DIR/<replica id>}), which is also its working
 * directory: a port file, a temp dir (the llama.cpp binding unpacks its native library under a fixed name, so
 * workers must not share one) and a {@link ReplicaRecord}. Output goes to {@code LOG_DIR/<id>.log}. A worker binds a
 * free port and writes it to its port file once it serves; a {@code command} program is told its port in the
 * template ({@code {port}}), picked free just before the start (a race with other programs binding ports, which
 * then shows up as a start failure and a restart).
 *
 * <p><b>Credentials.</b> A worker accepts only requests carrying its per-replica token, passed in the environment
 * (never on the command line, where other users could read it). A {@code command} program gets one only if its
 * template uses {@code {token}}.
 *
 * <p><b>Lifetime.</b> Processes are started in their own session ({@code setsid}, where available), so a Ctrl-C to
 * the server's terminal does not reach them: the server stops them itself on shutdown, or leaves them for the next
 * server to {@link #adopt} ({@code kiban serve --keep-replicas}). At start-up, {@link #adopt} returns the recorded
 * processes that still run the deployment's spec, and {@link #stopUnadopted} stops the other recorded ones — only
 * processes whose pid, start time and working directory match a record, so nothing else is ever signalled.
 *
 * <p><b>Warm pool.</b> With {@link #warmPool(int)} above 0, idle {@code kiban worker --standby} processes wait in
 * {@code RUN_DIR/pool-*}; a new {@code builtin} replica takes one and tells it which model to load
 * ({@code POST /admin/load}), saving the JVM start and native-library load. See {@link WarmPool}.
 *
 * @see io.kiban.control.Supervisor for health checks, restarts and draining
 */
public final class ProcessBackend implements Backend {
    private static final System.Logger LOG = System.getLogger(ProcessBackend.class.getName());
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final List<String> SETSID = setsid();

    /**
     * @param workerCommand the command that starts {@code kiban worker}, without its options (for example
     *     {@code java -cp ... io.kiban.worker.WorkerMain})
     * @param runDir where run directories go
     * @param logDir where log files go
     */
    public record Config(List<String> workerCommand, Path runDir, Path logDir) {}

    private final Config config;
    private final WarmPool pool;
    private final Set<Path> claimed = ConcurrentHashMap.newKeySet();
    private final AtomicLong poolCounter = new AtomicLong();
    private final String poolPrefix = "pool-" + Long.toString(System.currentTimeMillis(), 36) + "-";
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    public ProcessBackend(Config config) {
        this.config = config;
        this.pool = new WarmPool(this::spawnStandby, this::greet);
    }

    @Override
    public boolean supports(String runtime) {
        return runtime.equals(DeploymentSpec.BUILTIN) || runtime.equals(DeploymentSpec.COMMAND);
    }

    /** Keeps {@code size} idle standby workers (0 turns the pool off). */
    public void warmPool(int size) {
        pool.resize(size);
    }

    /** The pool's size as last set. */
    public int warmPoolSize() {
        return pool.size();
    }

    /** Standby workers ready to be taken now. */
    public int warmPoolListening() {
        return pool.listening();
    }

    @Override
    public ReplicaHandle start(DeploymentSpec spec, String replicaId, int ordinal) throws BackendException {
        if (spec.runtime().equals(DeploymentSpec.BUILTIN)) {
            WarmPool.Standby standby = pool.take();
            if (standby != null) {
                try {
                    return load(standby, spec, replicaId);
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "standby {0} could not take {1} ({2}); starting a fresh worker",
                            standby.dir().getFileName(), replicaId, e.getMessage());
                    standby.kill();
                } catch (InterruptedException e) {
                    standby.kill();
                    Thread.currentThread().interrupt();
                    throw new BackendException("interrupted", e);
                }
            }
        }
        Path dir = config.runDir().resolve(replicaId);
        Path log = config.logDir().resolve(replicaId + ".log");
        String token = newToken();
        List<String> cmd;
        int port = 0;
        String authorization = "Bearer " + token;
        try {
            LocalReplica.deleteTree(dir);
            Files.createDirectories(dir.resolve("tmp"));
            Files.createDirectories(config.logDir());
            if (spec.runtime().equals(DeploymentSpec.BUILTIN)) {
                cmd = workerCommand(dir);
                cmd.addAll(workerArgs(spec, dir));
            } else {
                CommandTemplate t = CommandTemplate.parse(spec.command());
                port = freePort();
                cmd = new ArrayList<>(t.render(Map.of("port", Integer.toString(port), "host", "127.0.0.1",
                        "model", String.valueOf(spec.model()), "name", spec.name(), "replica", replicaId, "token", token)));
                authorization = t.uses("token") ? authorization : null;
            }
            appendLog(log, "starting " + replicaId + ": " + String.join(" ", display(cmd)));
            Process p = spawn(cmd, dir, token, log);
            new ReplicaRecord(replicaId, spec.name(), spec.runtime(), spec.replicaHash(), p.pid(), startInstant(p), port,
                    authorization, spec.effectiveReadinessPath(), log.toString()).write(dir);
            return LocalReplica.started(replicaId, p, dir, dir.resolve("port"), port, authorization,
                    spec.effectiveReadinessPath(), log);
        } catch (IOException | IllegalArgumentException e) {
            throw new BackendException("Cannot start " + replicaId + " of " + spec.name() + ": " + e.getMessage(), e);
        }
    }

    /** Hands a standby its model: it loads it, serves on a new port and writes that port to its port file. */
    private ReplicaHandle load(WarmPool.Standby s, DeploymentSpec spec, String replicaId)
            throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Path dir = s.dir();
        String authorization = "Bearer " + s.token();
        new ReplicaRecord(replicaId, spec.name(), spec.runtime(), spec.replicaHash(), s.process().pid(),
                startInstant(s.process()), 0, authorization, spec.effectiveReadinessPath(), s.log().toString()).write(dir);
        appendLog(s.log(), "taken from the warm pool as " + replicaId + " of " + spec.name());
        byte[] body = Json.write(Map.of("args", workerArgs(spec, dir)));
        HttpResponse<String> res = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + s.port() + "/admin/load")).timeout(Duration.ofSeconds(10))
                .header("Authorization", authorization).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (res.statusCode() != 202) {
            throw new IOException("load answered " + res.statusCode() + ": " + res.body());
        }
        LOG.log(System.Logger.Level.INFO, "replica {0} taken from the warm pool (pid {1}, {2} ms to hand over)",
                replicaId, String.valueOf(s.process().pid()), (System.nanoTime() - t0) / 1_000_000);
        return LocalReplica.started(replicaId, s.process(), dir, dir.resolve("port"), 0, authorization,
                spec.effectiveReadinessPath(), s.log());
    }

    /**
     * Asks a new standby for its health once: checks that it answers, and makes the first use of this backend's HTTP
     * client (class loading, its selector thread) happen now rather than in the hand-over of a scale from zero.
     */
    private void greet(WarmPool.Standby s) {
        try {
            http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.port() + "/health"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding());
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "standby {0} did not answer its first health check: {1}",
                    s.dir().getFileName(), e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private WarmPool.Standby spawnStandby() throws IOException {
        String name = poolPrefix + poolCounter.incrementAndGet();
        Path dir = config.runDir().resolve(name);
        Path log = config.logDir().resolve(name + ".log");
        Files.createDirectories(dir.resolve("tmp"));
        Files.createDirectories(config.logDir());
        String token = newToken();
        List<String> cmd = workerCommand(dir);
        cmd.addAll(List.of("--standby", "--port-file", dir.resolve("standby-port").toString()));
        appendLog(log, "starting standby worker " + name);
        Process p = spawn(cmd, dir, token, log);
        new ReplicaRecord(name, "", "standby", "", p.pid(), startInstant(p), 0, "Bearer " + token, "/health",
                log.toString()).write(dir);
        return new WarmPool.Standby(dir, p, token, log);
    }

    private List<String> workerCommand(Path dir) {
        List<String> cmd = new ArrayList<>();
        cmd.add(config.workerCommand().getFirst());
        cmd.add("-Djava.io.tmpdir=" + dir.resolve("tmp"));
        cmd.addAll(config.workerCommand().subList(1, config.workerCommand().size()));
        return cmd;
    }

    private static List<String> workerArgs(DeploymentSpec spec, Path dir) {
        List<String> args = new ArrayList<>(List.of("--model", spec.model().toString(), "--name", spec.name(),
                "--port", "0", "--port-file", dir.resolve("port").toString()));
        args.addAll(spec.options().workerArgs());
        return args;
    }

    private static Process spawn(List<String> cmd, Path dir, String token, Path log) throws IOException {
        List<String> full = new ArrayList<>(SETSID);
        full.addAll(cmd);
        ProcessBuilder pb = new ProcessBuilder(full).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        pb.environment().put("KIBAN_WORKER_TOKEN", token);
        return pb.start();
    }

    @Override
    public List<AdoptedReplica> adopt(DeploymentSpec spec) {
        List<AdoptedReplica> out = new ArrayList<>();
        for (Path dir : runDirs()) {
            ReplicaRecord r = ReplicaRecord.read(dir).orElse(null);
            if (r == null || !r.deployment().equals(spec.name()) || !r.runtime().equals(spec.runtime())
                    || !r.replicaHash().equals(spec.replicaHash())) {
                continue;
            }
            var ph = r.liveProcess(dir);
            if (ph.isPresent() && claimed.add(dir)) {
                out.add(new AdoptedReplica(r.replicaId(), LocalReplica.adopted(r, ph.get(), dir)));
            }
        }
        return out;
    }

    @Override
    public void stopUnadopted() {
        List<Runnable> waits = new ArrayList<>();
        for (Path dir : runDirs()) {
            if (claimed.contains(dir)) {
                continue;
            }
            ReplicaRecord r = ReplicaRecord.read(dir).orElse(null);
            var ph = r == null ? java.util.Optional.<ProcessHandle>empty() : r.liveProcess(dir);
            if (ph.isPresent()) {
                LOG.log(System.Logger.Level.INFO, "stopping {0} (pid {1}) left by an earlier server: {2}", r.replicaId(),
                        String.valueOf(r.pid()), r.deployment().isEmpty() ? "an idle standby"
                                : "no deployment " + r.deployment() + " with this spec");
                ph.get().destroy();
                waits.add(() -> LocalReplica.stop(ph.get(), ph.get().onExit(), Duration.ofSeconds(10)));
            }
            waits.add(() -> LocalReplica.deleteTree(dir));
        }
        waits.forEach(Runnable::run);
    }

    private List<Path> runDirs() {
        List<Path> dirs = new ArrayList<>();
        if (!Files.isDirectory(config.runDir())) {
            return dirs;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(config.runDir(), Files::isDirectory)) {
            ds.forEach(dirs::add);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot list {0}: {1}", config.runDir(), e.getMessage());
        }
        dirs.removeIf(d -> d.getFileName().toString().startsWith(poolPrefix));
        return dirs;
    }

    @Override
    public void close() {
        pool.close();
    }

    private static Instant startInstant(Process p) {
        return p.toHandle().info().startInstant().orElse(null);
    }

    private static String newToken() {
        byte[] secret = new byte[24];
        RANDOM.nextBytes(secret);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** The command for the log, with the worker's class path shortened. */
    private static List<String> display(List<String> cmd) {
        List<String> out = new ArrayList<>(cmd.size());
        for (String a : cmd) {
            out.add(a.length() > 200 ? a.substring(0, 60) + "…(" + a.length() + " chars)" : a);
        }
        return out;
    }

    private static void appendLog(Path log, String line) throws IOException {
        Files.writeString(log, "---- " + Instant.now() + " " + line + System.lineSeparator(),
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    private static List<String> setsid() {
        for (String p : List.of("/usr/bin/setsid", "/bin/setsid")) {
            if (Files.isExecutable(Path.of(p))) {
                return List.of(p);
            }
        }
        return List.of();
    }
}
