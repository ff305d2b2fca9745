package io.kiban.control.backend;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Idle {@code kiban worker --standby} processes (JVM started, llama.cpp library loaded, no model) that a new
 * {@code builtin} replica takes instead of starting a fresh process.
 *
 * <h2>Implementation notes</h2>
 *
 * <p>{@link #take()} never waits: it hands out a standby that is listening (its {@code standby-port} file exists),
 * or null, and the caller starts a fresh worker. Every take, resize and standby exit schedules a refill on a virtual
 * thread, so the pool returns to its size in the background. A standby that exits on its own counts as a failure;
 * refills back off 1 s × 2^(failures−1), at most 60 s, and the count resets when a standby is taken.
 * All fields are guarded by {@code this}.
 */
final class WarmPool implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(WarmPool.class.getName());

    /** Starts one standby in a fresh directory; implemented by {@link ProcessBackend}. */
    interface Spawner {
        Standby spawn() throws IOException;
    }

    /** One idle worker. */
    record Standby(Path dir, Process process, String token, Path log) {
        Path portFile() {
            return dir.resolve("standby-port");
        }

        boolean listening() {
            return process.isAlive() && Files.exists(portFile());
        }

        int port() throws IOException {
            return Integer.parseInt(Files.readString(portFile()).trim());
        }

        void kill() {
            LocalReplica.stop(process.toHandle(), process.onExit(), Duration.ofSeconds(5));
            LocalReplica.deleteTree(dir);
        }
    }

    private final Spawner spawner;
    private final java.util.function.Consumer<Standby> onListening;
    private final ExecutorService refills = Executors.newVirtualThreadPerTaskExecutor();
    private final List<Standby> idle = new ArrayList<>();
    private int target;
    private int failures;
    private long nextSpawnNanos;
    private boolean closed;

    /** @param onListening called once per standby when it starts listening (to warm the caller's HTTP client) */
    WarmPool(Spawner spawner, java.util.function.Consumer<Standby> onListening) {
        this.spawner = spawner;
        this.onListening = onListening;
    }

    /** Sets how many standbys to keep; extra ones are stopped, missing ones started in the background. */
    void resize(int size) {
        List<Standby> extra = new ArrayList<>();
        synchronized (this) {
            target = Math.max(0, size);
            while (idle.size() > target) {
                extra.add(idle.removeLast());
            }
        }
        extra.forEach(s -> refills.submit(s::kill));
        refillLater(0);
    }

    synchronized int size() {
        return target;
    }

    /** Standbys listening now. */
    synchronized int listening() {
        return (int) idle.stream().filter(Standby::listening).count();
    }

    /** A listening standby, removed from the pool, or null when none is listening now. */
    Standby take() {
        Standby taken = null;
        synchronized (this) {
            for (Standby s : idle) {
                if (s.listening()) {
                    taken = s;
                    break;
                }
            }
            if (taken != null) {
                idle.remove(taken);
                failures = 0;
            }
        }
        refillLater(0);
        return taken;
    }

    private void refillLater(long delayNanos) {
        if (refills.isShutdown()) {
            return;
        }
        try {
            refills.submit(() -> {
                if (delayNanos > 0) {
                    TimeUnit.NANOSECONDS.sleep(delayNanos);
                }
                refill();
                return null;
            });
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            // The pool is closing.
        }
    }

    private void refill() {
        while (true) {
            Standby s;
            synchronized (this) {
                idle.removeIf(x -> !x.process().isAlive());
                if (closed || idle.size() >= target) {
                    return;
                }
                long wait = nextSpawnNanos - System.nanoTime();
                if (wait > 0) {
                    refillLater(wait);
                    return;
                }
                try {
                    s = spawner.spawn();
                } catch (IOException | RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "could not start a standby worker: {0}", e.getMessage());
                    backOff();
                    continue;
                }
                idle.add(s);
            }
            Standby started = s;
            s.process().onExit().thenRun(() -> exited(started));
            refills.submit(() -> {
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
                while (started.process().isAlive() && !started.listening() && System.nanoTime() < deadline) {
                    TimeUnit.MILLISECONDS.sleep(20);
                }
                if (started.listening()) {
                    onListening.accept(started);
                }
                return null;
            });
        }
    }

    private void exited(Standby s) {
        synchronized (this) {
            if (!idle.remove(s) || closed) {
                return; // taken (now a replica's business) or stopped on purpose
            }
            LOG.log(System.Logger.Level.WARNING, "standby worker {0} exited with code {1} (log: {2})",
                    s.dir().getFileName(), s.process().exitValue(), s.log());
            backOff();
        }
        LocalReplica.deleteTree(s.dir());
        refillLater(0);
    }

    private void backOff() {
        failures++;
        nextSpawnNanos = System.nanoTime()
                + Math.min(TimeUnit.SECONDS.toNanos(60), TimeUnit.SECONDS.toNanos(1) << Math.min(failures - 1, 16));
    }

    @Override
    public void close() {
        List<Standby> all;
        synchronized (this) {
            closed = true;
            all = new ArrayList<>(idle);
            idle.clear();
        }
        refills.shutdownNow();
        all.forEach(Standby::kill);
    }
}
