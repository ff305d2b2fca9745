package io.kiban.api.chat;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import tools.jackson.databind.JsonNode;

/**
 * One message of a chat. {@code content} is a string or an array of content parts; only text parts are accepted by
 * text models.
 */
public record ChatMessage(String role, @JsonInclude(JsonInclude.Include.ALWAYS) JsonNode content, String name) {

    /** The message text: the string content, or the text parts joined. */
    public String text(int index) {
        String param = "messages[" + index + "].content";
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isString()) {
            return content.asString();
        }
        if (content.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < content.size(); i++) {
                JsonNode part = content.get(i);
                String type = part.path("type").asString("");
                if (!"text".equals(type)) {
                    throw new ApiException(ApiError.unsupportedParam(param + "[" + i + "]",
                            "Content parts of type '" + type + "' are not supported by this model; send text parts "
                                    + "({\"type\":\"text\",\"text\":\"...\"}) or a plain string."));
                }
                sb.append(part.path("text").asString(""));
            }
            return sb.toString();
        }
        throw new ApiException(ApiError.invalidParam(param, "'" + param + "' must be a string or an array of content parts."));
    }
}
