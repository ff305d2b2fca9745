package io.kiban.worker;

import io.kiban.worker.engine.Engine;
import io.kiban.worker.engine.EngineException;
import io.kiban.worker.engine.LlamaCppEngine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;

/**
 * {@code kiban worker}: loads one model and serves it over OpenAI-compatible HTTP on loopback. Started and
 * supervised by {@code kiban serve}; it can also be run by hand. With {@code --standby} it starts without a model
 * and waits to be told which one to load ({@link Standby}): the server keeps a few such workers warm.
 *
 * <p>Exit codes: 0 after a normal shutdown, 2 for bad options, 3 when the model cannot be loaded, 4 when the port
 * cannot be bound. The process always ends through {@link System#exit}: the llama.cpp binding keeps a native thread
 * that would otherwise hold the JVM open.
 */
public final class WorkerMain {
    private WorkerMain() {}

    public static void main(String[] args) {
        System.setProperty("sun.net.httpserver.nodelay", "true"); // avoids 40 ms Nagle/delayed-ACK stalls per response
        if (Arrays.asList(args).contains("--standby")) {
            Standby.main(args);
            return;
        }
        WorkerOptions options;
        try {
            options = WorkerOptions.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("kiban worker: " + e.getMessage());
            System.err.print(WorkerOptions.USAGE);
            System.exit(2);
            return;
        }
        serve(options, System.nanoTime());
    }

    /** Loads the model and serves it; exits the process (3 or 4) when either fails. */
    static WorkerServer serve(WorkerOptions options, long t0) {
        Engine engine;
        try {
            engine = new LlamaCppEngine(options.engineConfig());
        } catch (EngineException e) {
            System.err.println("kiban worker: " + e.getMessage());
            System.exit(3);
            return null;
        }
        WorkerServer server;
        try {
            server = new WorkerServer(engine, options).start();
            if (options.portFile() != null) {
                writePortFile(options.portFile(), server.port());
            }
        } catch (IOException e) {
            System.err.println("kiban worker: cannot listen on " + options.host() + ":" + options.port() + ": " + e.getMessage());
            System.exit(4);
            return null;
        }
        System.err.printf("kiban worker: serving %s on http://%s:%d/v1 (%s, %d slots, context %d, ready in %d ms)%n",
                options.name(), options.host(), server.port(), engine.info().engine(), options.parallel(),
                engine.info().contextPerRequest(), (System.nanoTime() - t0) / 1_000_000);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        return server;
    }

    /** Writes the port atomically, so a reader never sees a half-written file. */
    static void writePortFile(Path file, int port) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, Integer.toString(port));
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }
}
