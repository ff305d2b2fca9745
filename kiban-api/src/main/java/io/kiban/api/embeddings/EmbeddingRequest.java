package io.kiban.api.embeddings;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/** {@code POST /v1/embeddings}: {@code input} is a string or an array of strings. */
public record EmbeddingRequest(String model, JsonNode input, String encodingFormat, Integer dimensions, String user) {

    public static final int MAX_INPUTS = 2048;

    /** The input texts, validated. */
    public List<String> inputs() {
        if (model == null || model.isBlank()) {
            throw new ApiException(ApiError.missingParam("model", "You must provide a model parameter."));
        }
        if (encodingFormat != null && !encodingFormat.equals("float") && !encodingFormat.equals("base64")) {
            throw new ApiException(ApiError.invalidParam("encoding_format",
                    "'encoding_format' must be 'float' or 'base64' (got '" + encodingFormat + "')."));
        }
        if (dimensions != null) {
            throw new ApiException(ApiError.unsupportedParam("dimensions",
                    "'dimensions' is not supported: this model returns its native embedding size."));
        }
        List<String> out = new ArrayList<>();
        if (input == null || input.isNull()) {
            throw new ApiException(ApiError.missingParam("input", "You must provide 'input': a string or an array of strings."));
        }
        if (input.isString()) {
            out.add(input.asString());
        } else if (input.isArray()) {
            for (JsonNode s : input) {
                if (!s.isString()) {
                    throw new ApiException(ApiError.unsupportedParam("input",
                            "'input' must be a string or an array of strings; token arrays are not supported."));
                }
                out.add(s.asString());
            }
        } else {
            throw new ApiException(ApiError.invalidParam("input", "'input' must be a string or an array of strings."));
        }
        if (out.isEmpty() || out.size() > MAX_INPUTS) {
            throw new ApiException(ApiError.invalidParam("input",
                    "'input' must hold between 1 and " + MAX_INPUTS + " strings (got " + out.size() + ")."));
        }
        for (String s : out) {
            if (s.isEmpty()) {
                throw new ApiException(ApiError.invalidParam("input", "'input' strings must not be empty."));
            }
        }
        return out;
    }

    public boolean base64() {
        return "base64".equals(encodingFormat);
    }
}
