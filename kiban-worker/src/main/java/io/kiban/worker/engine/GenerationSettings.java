package io.kiban.worker.engine;

import java.util.List;
import java.util.Map;

/**
 * Sampling settings for one generation, already validated and resolved against the context window.
 *
 * @param maxTokens tokens to generate at most (always set: the request's limit or what is left of the context)
 * @param seed sampling seed; null for random
 * @param grammar a GBNF grammar constraining the output, or null
 * @param jsonSchema a JSON Schema (as JSON text) constraining the output, or null
 */
public record GenerationSettings(
        int maxTokens,
        double temperature,
        double topP,
        Long seed,
        List<String> stop,
        double presencePenalty,
        double frequencyPenalty,
        Map<Integer, Float> logitBias,
        String grammar,
        String jsonSchema) {}
