package io.kiban.worker;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.api.Json;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import tools.jackson.databind.JsonNode;

/**
 * {@code kiban worker --standby --port-file FILE}: a worker with its JVM started and the llama.cpp library loaded,
 * but no model, kept idle by the server so that a replica started from zero skips both.
 *
 * <p>It listens on loopback and writes its port to {@code FILE}. {@code GET /health} answers 503
 * {@code {"status":"standby"}}. {@code POST /admin/load} with {@code {"args": [worker options…]}} — the options of a
 * normal {@code kiban worker}, authenticated with the same bearer token ({@code KIBAN_WORKER_TOKEN}) — answers 202,
 * then loads the model exactly as a fresh worker would, serves it on a new port written to the options'
 * {@code --port-file}, and closes the standby listener. Only one load is accepted; a load that fails ends the
 * process with the worker's exit codes (2 bad options, 3 model not loadable, 4 port).
 */
final class Standby {
    private final HttpServer server;
    private final byte[] token;
    private final AtomicBoolean loading = new AtomicBoolean();

    private Standby(String host, byte[] token) throws IOException {
        this.token = token;
        this.server = HttpServer.create(new InetSocketAddress(host, 0), 16);
        server.setExecutor(Executors.newSingleThreadExecutor());
        server.createContext("/", this::handle);
    }

    static void main(String[] args) {
        long t0 = System.nanoTime();
        String host = "127.0.0.1";
        Path portFile = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--standby" -> { }
                case "--host" -> host = args[++i];
                case "--port-file" -> portFile = Path.of(args[++i]);
                default -> {
                    System.err.println("kiban worker --standby: unknown option " + args[i]
                            + " (only --host and --port-file; the model comes with POST /admin/load)");
                    System.exit(2);
                }
            }
        }
        String secret = System.getenv(WorkerOptions.TOKEN_ENV);
        if (secret == null || secret.isEmpty()) {
            System.err.println("kiban worker --standby: " + WorkerOptions.TOKEN_ENV + " must be set (it guards /admin/load)");
            System.exit(2);
        }
        try {
            Class.forName("de.kherud.llama.LlamaModel"); // unpacks and loads the native library now, not at load time
        } catch (ClassNotFoundException | LinkageError e) {
            System.err.println("kiban worker --standby: cannot load llama.cpp: " + e);
            System.exit(3);
        }
        warmUp();
        try {
            Standby s = new Standby(host, ("Bearer " + secret).getBytes(StandardCharsets.UTF_8));
            s.server.start();
            if (portFile != null) {
                WorkerMain.writePortFile(portFile, s.server.getAddress().getPort());
            }
            System.err.printf("kiban worker: standby on http://%s:%d (no model yet; ready in %d ms)%n", host,
                    s.server.getAddress().getPort(), (System.nanoTime() - t0) / 1_000_000);
        } catch (IOException e) {
            System.err.println("kiban worker --standby: cannot listen: " + e.getMessage());
            System.exit(4);
        }
    }

    /**
     * Does once, while idle, the class loading and initialisation that the load request and the first model
     * request would otherwise pay for (the JSON mapper, request records, option parsing, the request path's
     * classes): measured at about 1 s in a fresh JVM with C1 on a busy 2-core machine, against 70 ms for loading
     * a small model.
     */
    static void warmUp() {
        try {
            Json.MAPPER.readTree("{\"args\":[\"--model\",\"x.gguf\"]}");
            Json.readRequest("{\"model\":\"m\",\"stream\":true,\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"
                    .getBytes(StandardCharsets.UTF_8), io.kiban.api.chat.ChatCompletionRequest.class);
            Json.readRequest("{\"model\":\"m\",\"prompt\":\"hi\"}".getBytes(StandardCharsets.UTF_8),
                    io.kiban.api.completions.CompletionRequest.class);
            Json.write(Map.of("status", "warm", "n", 1, "list", List.of(1.5)));
            WorkerOptions.parse(new String[] {"--model", "x.gguf", "--parallel", "1"});
            for (String c : List.of("WorkerServer", "Jobs", "JobRunner", "Admission", "ChatShape", "CompletionShape",
                    "EmbeddingsHandler", "HttpIo", "engine.LlamaCppEngine", "engine.ChatTemplates")) {
                Class.forName("io.kiban.worker." + c);
            }
        } catch (ClassNotFoundException | RuntimeException e) {
            System.err.println("kiban worker --standby: warm-up incomplete (" + e + "); the first request will be slower");
        }
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            try {
                switch (path) {
                    case "/health" -> HttpIo.json(ex, 503, Map.of("status", loading.get() ? "loading" : "standby"));
                    case "/admin/load" -> load(ex);
                    default -> throw new ApiException(new ApiError.NotFound("A standby worker serves no model yet.",
                            null, "standby"));
                }
            } catch (ApiException e) {
                HttpIo.error(ex, e.error());
            }
        }
    }

    private void load(HttpExchange ex) throws IOException {
        if (!ex.getRequestMethod().equals("POST")) {
            throw new ApiException(new ApiError.MethodNotAllowed("Use POST for /admin/load."));
        }
        String given = ex.getRequestHeaders().getFirst("Authorization");
        if (given == null || !MessageDigest.isEqual(token, given.getBytes(StandardCharsets.UTF_8))) {
            throw new ApiException(new ApiError.Unauthenticated("This worker accepts requests from its Kiban server only.",
                    "invalid_worker_token"));
        }
        JsonNode body = Json.readTree(HttpIo.readBody(ex, 1 << 20));
        List<String> args = new ArrayList<>();
        body.path("args").forEach(a -> args.add(a.asString()));
        WorkerOptions options;
        try {
            options = WorkerOptions.parse(args.toArray(String[]::new));
        } catch (IllegalArgumentException e) {
            throw new ApiException(new ApiError.InvalidRequest(e.getMessage(), "args", "invalid_value"));
        }
        if (!loading.compareAndSet(false, true)) {
            throw new ApiException(new ApiError.InvalidRequest("This standby worker is already loading a model.",
                    null, "already_loading"));
        }
        HttpIo.json(ex, 202, Map.of("status", "loading", "model", options.name()));
        long t0 = System.nanoTime();
        Thread.ofPlatform().name("standby-load").start(() -> {
            System.err.println("kiban worker: standby loading " + options.model() + " as " + options.name());
            WorkerMain.serve(options, t0);
            server.stop(0);
        });
    }
}
