package io.kiban.bench.overhead;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A process the protocol started (system under test or simulator), recorded by PID and ended by PID: SIGTERM to
 * the process and its descendants, then SIGKILL after five seconds.
 */
final class Sut implements AutoCloseable {
    final String name;
    final Process process;

    private Sut(String name, Process process) {
        this.name = name;
        this.process = process;
    }

    static Sut start(String name, List<String> command, Path dir, Map<String, String> env, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().putAll(env);
        return new Sut(name, pb.start());
    }

    long pid() {
        return process.pid();
    }

    /** The PIDs to meter: the process and its live descendants. */
    List<Long> pids() {
        return ProcStats.tree(process.pid());
    }

    boolean alive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        List<ProcessHandle> all = new ArrayList<>();
        process.descendants().forEach(all::add);
        process.destroy();
        all.forEach(ProcessHandle::destroy);
        try {
            if (!process.waitFor(Duration.ofSeconds(5))) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        all.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    }
}
