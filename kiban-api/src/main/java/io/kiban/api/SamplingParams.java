package io.kiban.api;

import io.kiban.api.chat.ResponseFormat;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/**
 * Validated generation parameters shared by chat and legacy completions, with OpenAI's defaults applied.
 *
 * @param maxTokens output limit, or null for "up to the end of the context window"
 * @param seed sampling seed, or null for a random one
 * @param logitBias token id to bias in [-100, 100]
 * @param responseFormat null for plain text
 */
public record SamplingParams(
        Integer maxTokens,
        double temperature,
        double topP,
        Long seed,
        List<String> stop,
        double presencePenalty,
        double frequencyPenalty,
        int n,
        Map<Integer, Float> logitBias,
        ResponseFormat responseFormat) {

    public static final int MAX_N = 16;
    public static final int MAX_STOP = 4;
    public static final int MAX_LOGIT_BIAS = 1024;

    public static SamplingParams check(Integer maxTokens, String maxTokensParam, Double temperature, Double topP, Long seed,
            JsonNode stop, Double presencePenalty, Double frequencyPenalty, Integer n, Map<String, Double> logitBias,
            ResponseFormat responseFormat) {
        if (maxTokens != null && maxTokens < 1) {
            throw bad(maxTokensParam, "'" + maxTokensParam + "' must be at least 1 (got " + maxTokens + ").");
        }
        double t = range("temperature", temperature, 1.0, 0, 2);
        double p = range("top_p", topP, 1.0, 0, 1);
        double pp = range("presence_penalty", presencePenalty, 0, -2, 2);
        double fp = range("frequency_penalty", frequencyPenalty, 0, -2, 2);
        int choices = n == null ? 1 : n;
        if (choices < 1 || choices > MAX_N) {
            throw bad("n", "'n' must be between 1 and " + MAX_N + " (got " + choices + ").");
        }
        return new SamplingParams(maxTokens, t, p, seed, stops(stop), pp, fp, choices, bias(logitBias),
                responseFormat == null || "text".equals(responseFormat.type()) ? null : responseFormat);
    }

    public static void checkResponseFormat(ResponseFormat format) {
        String type = format.type();
        if (type == null) {
            throw bad("response_format.type", "'response_format.type' is required: text, json_object or json_schema.");
        }
        switch (type) {
            case "text", "json_object" -> {}
            case "json_schema" -> {
                JsonNode schema = format.jsonSchema() == null ? null : format.jsonSchema().get("schema");
                if (schema == null || !schema.isObject()) {
                    throw bad("response_format.json_schema.schema",
                            "'response_format.json_schema.schema' must be a JSON Schema object.");
                }
            }
            default -> throw bad("response_format.type",
                    "Invalid 'response_format.type' '" + type + "'; use text, json_object or json_schema.");
        }
    }

    private static double range(String param, Double value, double dflt, double min, double max) {
        if (value == null) {
            return dflt;
        }
        if (value.isNaN() || value < min || value > max) {
            throw bad(param, "'" + param + "' must be between " + fmt(min) + " and " + fmt(max) + " (got " + value + ").");
        }
        return value;
    }

    private static List<String> stops(JsonNode stop) {
        List<String> out = new ArrayList<>();
        if (stop == null || stop.isNull()) {
            return out;
        }
        if (stop.isString()) {
            out.add(stop.asString());
        } else if (stop.isArray()) {
            for (JsonNode s : stop) {
                if (!s.isString()) {
                    throw bad("stop", "'stop' must be a string or an array of strings.");
                }
                out.add(s.asString());
            }
        } else {
            throw bad("stop", "'stop' must be a string or an array of strings.");
        }
        if (out.size() > MAX_STOP) {
            throw bad("stop", "'stop' takes at most " + MAX_STOP + " sequences (got " + out.size() + ").");
        }
        for (String s : out) {
            if (s.isEmpty()) {
                throw bad("stop", "Stop sequences must not be empty.");
            }
        }
        return out;
    }

    private static Map<Integer, Float> bias(Map<String, Double> logitBias) {
        Map<Integer, Float> out = new LinkedHashMap<>();
        if (logitBias == null) {
            return out;
        }
        if (logitBias.size() > MAX_LOGIT_BIAS) {
            throw bad("logit_bias", "'logit_bias' takes at most " + MAX_LOGIT_BIAS + " entries.");
        }
        for (var e : logitBias.entrySet()) {
            int token;
            try {
                token = Integer.parseInt(e.getKey());
            } catch (NumberFormatException ex) {
                throw bad("logit_bias", "'logit_bias' keys must be token ids (got '" + e.getKey() + "').");
            }
            Double v = e.getValue();
            if (v == null || v.isNaN() || v < -100 || v > 100) {
                throw bad("logit_bias", "'logit_bias' values must be between -100 and 100.");
            }
            out.put(token, v.floatValue());
        }
        return out;
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    private static ApiException bad(String param, String message) {
        return new ApiException(ApiError.invalidParam(param, message));
    }
}
