package io.kiban.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.PropertyNamingStrategies;
import tools.jackson.databind.json.JsonMapper;

/**
 * The JSON mapper for OpenAI wire types: snake_case names, nulls omitted unless a field says otherwise, unknown
 * fields ignored (SDKs send fields we do not model yet).
 */
public final class Json {
    public static final JsonMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .changeDefaultPropertyInclusion(v -> v.withValueInclusion(JsonInclude.Include.NON_NULL))
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();

    private Json() {}

    public static byte[] write(Object value) {
        return MAPPER.writeValueAsBytes(value);
    }

    public static String writeString(Object value) {
        return MAPPER.writeValueAsString(value);
    }

    /**
     * Reads a request body; malformed JSON or a wrong field type becomes a 400 that says where the problem is.
     */
    public static <T> T readRequest(byte[] body, Class<T> type) {
        try {
            return MAPPER.readValue(body, type);
        } catch (JacksonException e) {
            throw new ApiException(ApiError.invalidJson(e));
        }
    }

    public static JsonNode readTree(byte[] body) {
        try {
            return MAPPER.readTree(body);
        } catch (JacksonException e) {
            throw new ApiException(ApiError.invalidJson(e));
        }
    }
}
