package io.kiban.server.cli;

import io.kiban.server.ControlOptions;
import io.kiban.server.KibanServer;
import io.kiban.server.ServerOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code kiban serve}: runs the gateway, the control plane and the store in one process. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Start the Kiban server: OpenAI-compatible API on http://HOST:PORT/v1, model workers, store.")
public final class ServeCommand implements Callable<Integer> {

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to listen on (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8080", description = "Port to listen on (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--data-dir", description = "Directory for the database, logs and worker state "
            + "(default: $KIBAN_DATA_DIR, else ./kiban-data).")
    Path dataDir;

    @Option(names = "--model", paramLabel = "NAME=PATH.gguf[:OPTIONS]", description = "Serve a GGUF model under NAME "
            + "(repeatable). OPTIONS, comma-separated: embeddings, parallel=N, queue=N, ctx-size=N, threads=N, template=auto|gguf|chatml|plain.")
    List<String> models = new ArrayList<>();

    @Option(names = "--models-dir", description = "Serve every NAME.gguf in this directory, with options from an optional "
            + "NAME.properties next to it (default: DATA_DIR/models).")
    Path modelsDir;

    @Option(names = "--external", paramLabel = "NAME=URL[,URL...]", description = "Serve an existing OpenAI-compatible "
            + "endpoint (vLLM, llama-server, Ollama, another Kiban) under NAME (repeatable).")
    List<String> externals = new ArrayList<>();

    @Option(names = "--db-url", description = "JDBC URL of the store, e.g. jdbc:postgresql://host/kiban "
            + "(default: an embedded H2 database in the data directory). User and password: $KIBAN_DB_USER, $KIBAN_DB_PASSWORD.")
    String dbUrl;

    @Option(names = "--auth", defaultValue = "keys", description = "keys (API keys required) or none (no authentication; "
            + "for local experiments and benchmarks only). Default: ${DEFAULT-VALUE}.")
    String auth;

    @Option(names = "--history", defaultValue = "on", description = "Record request history: on or off (default: ${DEFAULT-VALUE}).")
    String history;

    @Option(names = "--history-retention-days", defaultValue = "365", description = "Delete history records older "
            + "than this many days (default: ${DEFAULT-VALUE}); usage counters are kept.")
    int historyRetentionDays;

    @Option(names = "--quota-time-zone", description = "Time zone in which daily and monthly token quotas reset, "
            + "e.g. Asia/Tokyo (default: the system's).")
    String quotaTimeZone;

    @Option(names = "--max-body", defaultValue = "16", description = "Largest request body in MiB (default: ${DEFAULT-VALUE}).")
    int maxBodyMiB;

    @Option(names = "--hold-timeout", defaultValue = "60", description = "Seconds a request may wait for a model replica "
            + "to become ready (default: ${DEFAULT-VALUE}).")
    int holdTimeoutSeconds;

    @Option(names = "--warm-pool", defaultValue = "auto", description = "Idle standby workers (JVM and llama.cpp "
            + "loaded, no model) kept to start replicas faster: a number, or auto (one while a deployment can scale "
            + "up; default: ${DEFAULT-VALUE}).")
    String warmPool;

    @Option(names = "--keep-replicas", description = "On shutdown, leave replicas running; the next kiban serve on "
            + "this data directory adopts those whose deployment did not change (and stops the others).")
    boolean keepReplicas;

    @Option(names = "--preload", defaultValue = "true", negatable = true, description = "Read the model files of "
            + "deployments at zero replicas into the page cache, for faster cold starts (default: on).")
    boolean preload;

    @Override
    public Integer call() {
        ServerOptions options;
        ControlOptions control;
        try {
            options = options();
            control = controlOptions();
        } catch (IllegalArgumentException e) {
            System.err.println("kiban serve: " + e.getMessage());
            return 2;
        }
        return KibanServer.run(options, control) ? 0 : 1;
    }

    ControlOptions controlOptions() {
        int pool;
        try {
            pool = warmPool.equals("auto") ? ControlOptions.AUTO : Integer.parseInt(warmPool);
        } catch (NumberFormatException e) {
            pool = -2;
        }
        if (pool < ControlOptions.AUTO || pool > 64) {
            throw new IllegalArgumentException("--warm-pool must be auto or a number from 0 to 64");
        }
        return new ControlOptions(pool, keepReplicas, preload, ControlOptions.defaults().autoscalerTick());
    }

    ServerOptions options() {
        if (!auth.equals("keys") && !auth.equals("none")) {
            throw new IllegalArgumentException("--auth must be keys or none");
        }
        if (!history.equals("on") && !history.equals("off")) {
            throw new IllegalArgumentException("--history must be on or off");
        }
        if (historyRetentionDays < 1) {
            throw new IllegalArgumentException("--history-retention-days must be at least 1");
        }
        ZoneId zone;
        try {
            zone = quotaTimeZone == null ? ZoneId.systemDefault() : ZoneId.of(quotaTimeZone);
        } catch (java.time.DateTimeException e) {
            throw new IllegalArgumentException("--quota-time-zone: unknown time zone '" + quotaTimeZone
                    + "' (use a name such as Asia/Tokyo or UTC)");
        }
        if (maxBodyMiB < 1 || maxBodyMiB > 1024) {
            throw new IllegalArgumentException("--max-body must be between 1 and 1024 MiB");
        }
        Path data = dataDir != null ? dataDir
                : System.getenv("KIBAN_DATA_DIR") != null ? Path.of(System.getenv("KIBAN_DATA_DIR")) : Path.of("kiban-data");
        data = data.toAbsolutePath().normalize();
        List<ServerOptions.ModelArg> modelArgs = models.stream().map(ServerOptions.ModelArg::parse).toList();
        List<ServerOptions.ExternalArg> externalArgs = externals.stream().map(ServerOptions.ExternalArg::parse).toList();
        return new ServerOptions(host, port, data, modelArgs, modelsDir != null ? modelsDir.toAbsolutePath() : data.resolve("models"),
                externalArgs, dbUrl, auth, history.equals("on"), maxBodyMiB * 1024 * 1024, Duration.ofSeconds(holdTimeoutSeconds),
                Duration.ofDays(historyRetentionDays), zone);
    }
}
