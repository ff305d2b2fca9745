package io.kiban.gateway;

import io.kiban.api.Json;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;

/** The id and token usage of a whole (non-streamed) response, read without building a tree. */
record ResponseScan(String id, int promptTokens, int completionTokens) {

    static ResponseScan of(byte[] body) {
        String id = null;
        int prompt = -1;
        int completion = -1;
        try (JsonParser p = Json.MAPPER.createParser(body)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return new ResponseScan(null, -1, -1);
            }
            while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (name.equals("id") && v == JsonToken.VALUE_STRING) {
                    id = p.getString();
                } else if (name.equals("usage") && v == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.PROPERTY_NAME) {
                        String field = p.currentName();
                        JsonToken fv = p.nextToken();
                        if (fv == JsonToken.VALUE_NUMBER_INT && field.equals("prompt_tokens")) {
                            prompt = p.getIntValue();
                        } else if (fv == JsonToken.VALUE_NUMBER_INT && field.equals("completion_tokens")) {
                            completion = p.getIntValue();
                        } else {
                            p.skipChildren();
                        }
                    }
                } else {
                    p.skipChildren();
                }
            }
        } catch (RuntimeException malformed) {
            return new ResponseScan(id, prompt, completion);
        }
        return new ResponseScan(id, prompt, completion == -1 && prompt >= 0 ? 0 : completion);
    }
}
