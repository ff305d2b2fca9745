package io.kiban.control.model;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Per-model serving options, given after the path on {@code --model NAME=PATH.gguf:OPTIONS} (comma-separated, such
 * as {@code embeddings,parallel=2}) or in a {@code NAME.properties} file next to {@code NAME.gguf} in the models
 * directory.
 *
 * <ul>
 *   <li>{@code embeddings} — serve {@code /v1/embeddings} (pooled, L2-normalised; see docs/decisions/0003) instead of generation
 *   <li>{@code parallel=N} — requests generated at once per replica (llama.cpp slots; default 4)
 *   <li>{@code queue=N} — requests that may wait per replica before 429 (default 64)
 *   <li>{@code ctx-size=N} — tokens per request, prompt plus output (default: the model's, at most 4096)
 *   <li>{@code threads=N} — decoding threads per replica (default: half the cores, 1 to 8)
 *   <li>{@code template=auto|gguf|chatml|plain} — chat template (default auto: the GGUF's, else plain)
 * </ul>
 */
public record ModelOptions(boolean embeddings, int parallel, int queue, int contextSize, int threads, String template) {

    public static final ModelOptions DEFAULTS = new ModelOptions(false, 4, 64, 0, 0, "auto");

    public static ModelOptions parse(String options) {
        Map<String, String> map = new LinkedHashMap<>();
        if (options != null && !options.isBlank()) {
            for (String part : options.split(",")) {
                String p = part.trim();
                if (p.isEmpty()) {
                    continue;
                }
                int eq = p.indexOf('=');
                map.put(eq < 0 ? p : p.substring(0, eq).trim(), eq < 0 ? "true" : p.substring(eq + 1).trim());
            }
        }
        return of(map);
    }

    public static ModelOptions of(Properties props) {
        Map<String, String> map = new LinkedHashMap<>();
        props.stringPropertyNames().forEach(k -> map.put(k, props.getProperty(k).trim()));
        return of(map);
    }

    private static ModelOptions of(Map<String, String> map) {
        ModelOptions d = DEFAULTS;
        boolean embeddings = d.embeddings();
        int parallel = d.parallel();
        int queue = d.queue();
        int ctx = d.contextSize();
        int threads = d.threads();
        String template = d.template();
        for (var e : map.entrySet()) {
            String v = e.getValue();
            switch (e.getKey()) {
                case "embeddings" -> embeddings = Boolean.parseBoolean(v);
                case "parallel" -> parallel = number(e.getKey(), v, 1, 256);
                case "queue" -> queue = number(e.getKey(), v, 0, 100_000);
                case "ctx-size", "ctx" -> ctx = number(e.getKey(), v, 16, 1 << 20);
                case "threads" -> threads = number(e.getKey(), v, 1, 256);
                case "template" -> {
                    if (!v.matches("auto|gguf|chatml|plain")) {
                        throw new IllegalArgumentException("template must be auto, gguf, chatml or plain (got '" + v + "')");
                    }
                    template = v;
                }
                default -> throw new IllegalArgumentException("unknown model option '" + e.getKey()
                        + "'; known: embeddings, parallel, queue, ctx-size, threads, template");
            }
        }
        return new ModelOptions(embeddings, parallel, queue, ctx, threads, template);
    }

    private static int number(String key, String value, int min, int max) {
        try {
            int v = Integer.parseInt(value);
            if (v < min || v > max) {
                throw new IllegalArgumentException(key + " must be between " + min + " and " + max + " (got " + v + ")");
            }
            return v;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " needs a whole number (got '" + value + "')");
        }
    }

    /** The options as {@code kiban worker} arguments. */
    public java.util.List<String> workerArgs() {
        java.util.List<String> args = new java.util.ArrayList<>();
        args.add("--parallel");
        args.add(Integer.toString(parallel));
        args.add("--queue");
        args.add(Integer.toString(queue));
        if (contextSize > 0) {
            args.add("--ctx-size");
            args.add(Integer.toString(contextSize));
        }
        if (threads > 0) {
            args.add("--threads");
            args.add(Integer.toString(threads));
        }
        if (embeddings) {
            args.add("--embeddings");
        }
        args.add("--template");
        args.add(template);
        return args;
    }
}
