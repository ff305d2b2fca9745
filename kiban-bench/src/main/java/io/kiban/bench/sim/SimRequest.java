package io.kiban.bench.sim;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.api.Json;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

/**
 * The parts of an OpenAI request body the simulator acts on. Everything else (temperature, tools…) is accepted and
 * ignored; {@code n} is always 1.
 *
 * @param prompt the prompt text: chat message contents joined by newlines, the completion prompt, or the embedding
 *     inputs joined by newlines
 * @param promptTokens {@link SimTokenizer#count} of each message or input, summed
 * @param maxTokens {@code max_completion_tokens}, else {@code max_tokens}, else null
 * @param inputs embedding inputs (empty for generation requests)
 */
record SimRequest(
        Endpoint endpoint,
        String model,
        boolean stream,
        boolean includeUsage,
        Integer maxTokens,
        List<String> stops,
        long seed,
        String prompt,
        int promptTokens,
        List<String> inputs,
        boolean base64) {

    enum Endpoint { CHAT, COMPLETIONS, EMBEDDINGS }

    static SimRequest parse(Endpoint endpoint, byte[] body, int off, int len, String defaultModel) {
        JsonNode root;
        try {
            root = len == 0 ? null : Json.MAPPER.readTree(body, off, len);
        } catch (JacksonException e) {
            throw new ApiException(ApiError.invalidJson(e));
        }
        if (root == null || !root.isObject()) {
            throw bad(null, "The request body must be a JSON object.");
        }
        String model = root.path("model").asString("");
        if (model.isBlank()) {
            model = defaultModel;
        }
        boolean stream = root.path("stream").asBoolean(false);
        boolean includeUsage = root.path("stream_options").path("include_usage").asBoolean(false);
        JsonNode mt = root.get("max_completion_tokens");
        if (mt == null || mt.isNull()) {
            mt = root.get("max_tokens");
        }
        Integer maxTokens = null;
        if (mt != null && !mt.isNull()) {
            if (!mt.canConvertToInt() || mt.asInt() < 0) {
                throw bad("max_tokens", "'max_tokens' must be a non-negative integer.");
            }
            maxTokens = mt.asInt();
        }
        long seed = root.path("seed").asLong(0);
        List<String> stops = new ArrayList<>();
        JsonNode stop = root.get("stop");
        if (stop != null && stop.isString()) {
            stops.add(stop.asString());
        } else if (stop != null && stop.isArray()) {
            for (JsonNode s : stop) {
                if (s.isString() && !s.asString().isEmpty()) {
                    stops.add(s.asString());
                }
            }
        }
        stops.removeIf(String::isEmpty);
        return switch (endpoint) {
            case CHAT -> {
                JsonNode messages = root.get("messages");
                if (messages == null || !messages.isArray() || messages.isEmpty()) {
                    throw new ApiException(ApiError.missingParam("messages",
                            "'messages' must be a non-empty array of {\"role\": ..., \"content\": ...} objects."));
                }
                StringBuilder sb = new StringBuilder();
                int tokens = 0;
                for (JsonNode m : messages) {
                    String text = contentText(m.get("content"));
                    tokens += SimTokenizer.count(text);
                    if (!sb.isEmpty()) {
                        sb.append('\n');
                    }
                    sb.append(text);
                }
                yield new SimRequest(endpoint, model, stream, includeUsage, maxTokens, stops, seed, sb.toString(),
                        tokens, List.of(), false);
            }
            case COMPLETIONS -> {
                JsonNode p = root.get("prompt");
                String text;
                if (p != null && p.isString()) {
                    text = p.asString();
                } else if (p != null && p.isArray() && p.size() == 1 && p.get(0).isString()) {
                    text = p.get(0).asString();
                } else {
                    throw new ApiException(ApiError.missingParam("prompt",
                            "'prompt' must be a string (or an array holding one string)."));
                }
                yield new SimRequest(endpoint, model, stream, includeUsage,
                        maxTokens, stops, seed, text, SimTokenizer.count(text), List.of(), false);
            }
            case EMBEDDINGS -> {
                JsonNode input = root.get("input");
                List<String> inputs = new ArrayList<>();
                if (input != null && input.isString()) {
                    inputs.add(input.asString());
                } else if (input != null && input.isArray()) {
                    for (JsonNode s : input) {
                        if (!s.isString()) {
                            throw bad("input", "'input' must be a string or an array of strings.");
                        }
                        inputs.add(s.asString());
                    }
                }
                if (inputs.isEmpty()) {
                    throw new ApiException(ApiError.missingParam("input",
                            "You must provide 'input': a string or an array of strings."));
                }
                int tokens = 0;
                for (String s : inputs) {
                    tokens += SimTokenizer.count(s);
                }
                boolean base64 = "base64".equals(root.path("encoding_format").asString("float"));
                yield new SimRequest(endpoint, model, false, false, null, List.of(), seed, String.join("\n", inputs),
                        tokens, inputs, base64);
            }
        };
    }

    private static String contentText(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isString()) {
            return content.asString();
        }
        if (content.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode part : content) {
                JsonNode t = part.get("text");
                if (t != null && t.isString()) {
                    if (!sb.isEmpty()) {
                        sb.append('\n');
                    }
                    sb.append(t.asString());
                }
            }
            return sb.toString();
        }
        return "";
    }

    private static ApiException bad(String param, String message) {
        return new ApiException(ApiError.invalidParam(param, message));
    }
}
