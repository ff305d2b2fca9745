package io.kiban.worker;

import com.sun.net.httpserver.HttpExchange;
import io.kiban.api.ApiError;
import io.kiban.api.Json;
import io.kiban.api.Usage;
import io.kiban.worker.engine.Engine;
import io.kiban.worker.engine.EngineException;
import io.kiban.worker.engine.Generation;
import io.kiban.worker.engine.GenerationSettings;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs a {@link Job} on the engine and writes the response, whole or as server-sent events.
 *
 * <p>Edges: if writing to the client fails (it went away), or the gateway cancels the request
 * ({@link Cancellations}), the generation is cancelled at its next token, which frees the slot. If the engine fails
 * after the stream has started, a final {@code data: {"error":…}} event is sent and the stream ends without
 * {@code [DONE]}, so the client can tell it was cut short. Choices of {@code n > 1} run one
 * after another in the same slot.
 *
 * <p>Response headers for the gateway: {@code x-kiban-queue-ms} (time waiting for a slot), on whole responses
 * {@code x-kiban-ttft-ms} (time to the first token), and on streams {@code x-kiban-prompt-tokens} (the prompt's
 * tokens, for billing a stream that ends before its usage chunk).
 */
final class JobRunner {
    private static final System.Logger LOG = System.getLogger(JobRunner.class.getName());

    private final Engine engine;

    JobRunner(Engine engine) {
        this.engine = engine;
    }

    void whole(HttpExchange ex, Job job, long queuedNanos, AtomicBoolean cancelled) throws IOException {
        long start = System.nanoTime();
        long firstToken = -1;
        List<Shape.Choice> choices = new ArrayList<>();
        int completionTokens = 0;
        try {
            for (GenerationSettings s : job.choices()) {
                Generation g = engine.start(job.promptTokens(), s);
                StringBuilder text = new StringBuilder(job.echo() == null ? "" : job.echo());
                String piece;
                while ((piece = g.next()) != null) {
                    if (firstToken < 0) {
                        firstToken = System.nanoTime();
                    }
                    if (cancelled.get()) {
                        g.cancel();
                        LOG.log(System.Logger.Level.DEBUG, "cancelled after {0} tokens", g.tokens());
                        HttpIo.error(ex, WorkerServer.CANCELLED);
                        return;
                    }
                    text.append(piece);
                }
                completionTokens += g.tokens();
                choices.add(new Shape.Choice(text.toString(), finishReason(g, s)));
            }
        } catch (EngineException e) {
            LOG.log(System.Logger.Level.ERROR, "generation failed", e);
            HttpIo.error(ex, new ApiError.Internal("The model runtime failed while generating: " + e.getMessage()));
            return;
        }
        Usage usage = Usage.of(job.promptTokens().length, completionTokens);
        ex.getResponseHeaders().set("x-kiban-queue-ms", Long.toString(queuedNanos / 1_000_000));
        if (firstToken > 0) {
            ex.getResponseHeaders().set("x-kiban-ttft-ms", Long.toString((firstToken - start) / 1_000_000));
        }
        HttpIo.json(ex, 200, job.shape().whole(choices, usage));
    }

    void stream(HttpExchange ex, Job job, long queuedNanos, AtomicBoolean cancelled) throws IOException {
        ex.getResponseHeaders().set("x-kiban-queue-ms", Long.toString(queuedNanos / 1_000_000));
        // The prompt's size before any token: the gateway bills a stream cut short (no usage chunk) with it.
        ex.getResponseHeaders().set("x-kiban-prompt-tokens", Integer.toString(job.promptTokens().length));
        OutputStream out = HttpIo.startSse(ex);
        Shape shape = job.shape();
        int completionTokens = 0;
        try {
            for (int i = 0; i < job.choices().size(); i++) {
                GenerationSettings s = job.choices().get(i);
                Generation g = engine.start(job.promptTokens(), s);
                try {
                    HttpIo.sse(out, shape.piece(i, job.echo() == null ? "" : job.echo(), true));
                    String piece;
                    while ((piece = g.next()) != null) {
                        if (cancelled.get()) {
                            throw new IOException("cancelled");
                        }
                        if (!piece.isEmpty()) {
                            HttpIo.sse(out, shape.piece(i, piece, false));
                        }
                    }
                } catch (IOException clientGone) {
                    g.cancel();
                    LOG.log(System.Logger.Level.DEBUG, "client went away; generation cancelled after {0} tokens", g.tokens());
                    return;
                }
                completionTokens += g.tokens();
                HttpIo.sse(out, shape.finish(i, finishReason(g, s)));
            }
            if (job.includeUsage()) {
                HttpIo.sse(out, shape.usage(Usage.of(job.promptTokens().length, completionTokens)));
            }
            HttpIo.sseDone(out);
        } catch (EngineException e) {
            LOG.log(System.Logger.Level.ERROR, "generation failed mid-stream", e);
            ApiError error = new ApiError.Internal("The model runtime failed while generating: " + e.getMessage());
            try {
                HttpIo.sse(out, Json.write(Map.of("error", Map.of("message", error.message(), "type", "server_error",
                        "code", error.code()))));
            } catch (IOException ignored) {
                // The client is gone as well; nothing left to tell.
            }
        } finally {
            try {
                out.close();
            } catch (IOException ignored) {
                // Closing a stream whose client left.
            }
        }
    }

    /**
     * {@code length} when the generation used its whole token budget, otherwise {@code stop} (end of text or a stop
     * sequence). A stop sequence completed by exactly the last allowed token reports {@code length}: the binding does
     * not say why a generation ended.
     */
    private static String finishReason(Generation g, GenerationSettings s) {
        return g.tokens() >= s.maxTokens() ? "length" : "stop";
    }
}
