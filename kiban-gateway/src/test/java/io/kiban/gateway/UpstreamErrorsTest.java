package io.kiban.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.api.Json;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class UpstreamErrorsTest {

    static byte[] relay(int status, String body) {
        return UpstreamErrors.relayable(status, body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void an_openai_envelope_is_relayed_byte_for_byte() {
        String body = "{\"error\":{\"message\":\"queue full\",\"type\":\"rate_limit_error\",\"code\":\"busy\"}}";
        assertThat(relay(429, body)).isEqualTo(body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void flat_errors_are_put_into_the_envelope() {
        JsonNode vllm = Json.MAPPER.readTree(relay(400, "{\"object\":\"error\",\"message\":\"too long\",\"type\":\"BadRequestError\",\"param\":null,\"code\":400}"));
        JsonNode ollama = Json.MAPPER.readTree(relay(404, "{\"error\":\"model 'x' not found\"}"));

        assertThat(vllm.path("error").path("message").asString()).isEqualTo("too long");
        assertThat(vllm.path("error").path("type").asString()).isEqualTo("BadRequestError");
        assertThat(vllm.path("error").path("code").asInt()).isEqualTo(400);
        assertThat(ollama.path("error").path("message").asString()).isEqualTo("model 'x' not found");
        assertThat(ollama.path("error").path("type").asString()).isEqualTo("invalid_request_error");
    }

    @Test
    void pages_traces_and_other_shapes_are_not_relayed() {
        for (String body : new String[] {"<html><body>502 Bad Gateway</body></html>", "Internal Server Error", "",
                "{\"detail\":\"Not Found\"}", "[1,2]", "{\"error\":{\"message\":\"Traceback (most recent call last):\\n  File x\"}}",
                "{\"message\":\"java.lang.IllegalStateException: x\\n\\tat io.kiban.Foo.bar(Foo.java:1)\"}",
                "{\"message\":\"" + "x".repeat(UpstreamErrors.MAX_MESSAGE + 1) + "\"}"}) {
            assertThat(relay(500, body)).as(body.length() > 60 ? body.substring(0, 60) : body).isNull();
        }
    }
}
