package io.kiban.api.chat;

import tools.jackson.databind.JsonNode;

/**
 * The requested output format: {@code text}, {@code json_object}, or {@code json_schema} with
 * {@code {"json_schema":{"name":...,"schema":{...},"strict":...}}}.
 */
public record ResponseFormat(String type, JsonNode jsonSchema) {}
