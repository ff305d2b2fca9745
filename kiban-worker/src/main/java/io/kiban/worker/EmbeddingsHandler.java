package io.kiban.worker;

import com.sun.net.httpserver.HttpExchange;
import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.api.embeddings.EmbeddingRequest;
import io.kiban.api.embeddings.EmbeddingResponse;
import io.kiban.worker.engine.Engine;
import io.kiban.worker.engine.EngineException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** {@code POST /v1/embeddings}: one pooled (last token, or CLS when the model declares it), L2-normalised vector per input, as floats or base64 float32. */
final class EmbeddingsHandler {
    private final Engine engine;
    private final String model;

    EmbeddingsHandler(Engine engine, String model) {
        this.engine = engine;
        this.model = model;
    }

    void handle(HttpExchange ex, EmbeddingRequest r, List<String> inputs) throws IOException {
        if (!engine.info().embeddings()) {
            throw new ApiException(ApiError.invalidParam("model", "The model '" + model + "' is served for text "
                    + "generation, not embeddings; serve it with the 'embeddings' option (kiban serve --model "
                    + model + "=PATH.gguf:embeddings) or pick an embedding model."));
        }
        int context = engine.info().contextPerRequest();
        int[] counts = new int[inputs.size()];
        for (int i = 0; i < inputs.size(); i++) {
            counts[i] = engine.tokenizePrompt(inputs.get(i)).length;
            if (counts[i] > context) {
                throw new ApiException(new ApiError.ContextLengthExceeded("Input " + i + " has " + counts[i]
                        + " tokens; this model embeds at most " + context + " tokens per input. Split or shorten it.",
                        "input"));
            }
        }
        List<EmbeddingResponse.Item> data = new ArrayList<>(inputs.size());
        int tokens = 0;
        try {
            for (int i = 0; i < inputs.size(); i++) {
                float[] v = engine.embed(inputs.get(i));
                data.add(new EmbeddingResponse.Item(i, r.base64() ? base64(v) : v));
                tokens += counts[i];
            }
        } catch (EngineException e) {
            throw new ApiException(new ApiError.Internal("The model runtime failed while embedding: " + e.getMessage()));
        }
        HttpIo.json(ex, 200, new EmbeddingResponse(data, model, new EmbeddingResponse.Usage(tokens, tokens)));
    }

    /** OpenAI's base64 encoding: the little-endian float32 bytes of the vector. */
    static String base64(float[] v) {
        ByteBuffer buf = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float x : v) {
            buf.putFloat(x);
        }
        return Base64.getEncoder().encodeToString(buf.array());
    }
}
