package io.kiban.store;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** Converts the small JSON values kept in text columns: string lists and string-to-string maps. */
public final class JsonColumns {
    private static final JsonMapper MAPPER = JsonMapper.builder().build();
    private static final TypeReference<List<String>> STRING_LIST = new TypeReference<>() {};
    private static final TypeReference<LinkedHashMap<String, String>> STRING_MAP = new TypeReference<>() {};

    private JsonColumns() {}

    /** An empty list is stored as NULL (it means "no restriction"). */
    public static String fromList(List<String> values) {
        return values == null || values.isEmpty() ? null : MAPPER.writeValueAsString(values);
    }

    public static List<String> toList(String json) {
        return json == null ? List.of() : List.copyOf(MAPPER.readValue(json, STRING_LIST));
    }

    /** An empty map is stored as NULL. */
    public static String fromMap(Map<String, String> values) {
        return values == null || values.isEmpty() ? null : MAPPER.writeValueAsString(values);
    }

    public static Map<String, String> toMap(String json) {
        return json == null ? Map.of() : java.util.Collections.unmodifiableMap(MAPPER.readValue(json, STRING_MAP));
    }
}
