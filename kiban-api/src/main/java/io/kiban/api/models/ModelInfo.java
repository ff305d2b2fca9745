package io.kiban.api.models;

import java.util.List;

/**
 * One entry of {@code GET /v1/models}. Beyond OpenAI's four fields, Kiban adds what it read from the model file and
 * whether the model can serve now.
 *
 * @param capabilities the endpoints the model serves: {@code chat}, {@code completions}, {@code embeddings}
 * @param status {@code ready}, {@code starting}, {@code scaled_to_zero} or {@code failed}
 */
public record ModelInfo(
        String id,
        String object,
        long created,
        String ownedBy,
        String architecture,
        Long parameters,
        String quantization,
        Integer contextLength,
        List<String> capabilities,
        String status) {}
