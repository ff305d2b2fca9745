package io.kiban.worker;

import io.kiban.worker.engine.EngineConfig;
import java.nio.file.Path;

/**
 * Command-line options of {@code kiban worker}.
 *
 * @param portFile where to write the bound port once the model is loaded and the server listens (the server that
 *     started the worker waits for it); null to skip
 * @param token bearer token required on {@code /v1} calls (from the environment, never the command line)
 */
public record WorkerOptions(Path model, String name, String host, int port, Path portFile, int parallel, int queue,
        int contextSize, int threads, boolean embeddings, String template, String token) {

    public static final String TOKEN_ENV = "KIBAN_WORKER_TOKEN";

    static final String USAGE = """
            Usage: kiban worker --model PATH.gguf [options]
              --name NAME          model name reported in responses (default: file name without .gguf)
              --host HOST          address to listen on (default 127.0.0.1)
              --port PORT          port to listen on (default 0: any free port)
              --port-file PATH     write the bound port here once ready
              --parallel N         requests generated at once, llama.cpp slots (default 4)
              --queue N            requests that may wait for a slot before 429 (default 64)
              --ctx-size N         tokens per request, prompt plus output (default: the model's, at most 4096)
              --threads N          decoding threads (default: half the cores, 1 to 8)
              --embeddings         serve /v1/embeddings (pooled, L2-normalised) instead of generation
              --template T         chat template: auto, gguf, chatml, plain (default auto)
            Environment: KIBAN_WORKER_TOKEN, if set, is required as a bearer token on /v1 calls.
            """;

    public static WorkerOptions parse(String[] args) {
        Path model = null;
        String name = null;
        String host = "127.0.0.1";
        int port = 0;
        Path portFile = null;
        int parallel = 4;
        int queue = 64;
        int ctx = 0;
        int threads = 0;
        boolean embeddings = false;
        String template = "auto";
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--embeddings" -> embeddings = true;
                case "--model", "--name", "--host", "--port", "--port-file", "--parallel", "--queue", "--ctx-size",
                        "--threads", "--template" -> {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException(a + " needs a value");
                    }
                    String v = args[++i];
                    switch (a) {
                        case "--model" -> model = Path.of(v);
                        case "--name" -> name = v;
                        case "--host" -> host = v;
                        case "--port" -> port = intArg(a, v, 0);
                        case "--port-file" -> portFile = Path.of(v);
                        case "--parallel" -> parallel = intArg(a, v, 1);
                        case "--queue" -> queue = intArg(a, v, 0);
                        case "--ctx-size" -> ctx = intArg(a, v, 16);
                        case "--threads" -> threads = intArg(a, v, 1);
                        default -> template = v;
                    }
                }
                default -> throw new IllegalArgumentException("Unknown option " + a);
            }
        }
        if (model == null) {
            throw new IllegalArgumentException("--model is required");
        }
        if (name == null) {
            name = model.getFileName().toString().replaceFirst("\\.gguf$", "");
        }
        return new WorkerOptions(model, name, host, port, portFile, parallel, queue, ctx, threads, embeddings, template,
                System.getenv(TOKEN_ENV));
    }

    private static int intArg(String option, String value, int min) {
        try {
            int v = Integer.parseInt(value);
            if (v < min) {
                throw new IllegalArgumentException(option + " must be at least " + min);
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a number, got '" + value + "'");
        }
    }

    public EngineConfig engineConfig() {
        return new EngineConfig(model, contextSize, parallel, threads, embeddings, template);
    }
}
