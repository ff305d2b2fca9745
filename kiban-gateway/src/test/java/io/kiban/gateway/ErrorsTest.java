package io.kiban.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.kiban.api.ApiError;
import io.kiban.api.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class ErrorsTest {

    @Test
    void write_renders_the_openai_envelope_with_status_length_and_retry_after() {
        RecordingExchange ex = RecordingExchange.chat("{}");

        Errors.write(ex, new ApiError.ModelUnavailable("Starting.", "model_loading", Duration.ofMillis(1500)));

        assertThat(ex.status()).isEqualTo(503);
        assertThat(ex.responseHeader("Content-Type")).isEqualTo("application/json");
        assertThat(ex.responseHeader("Retry-After")).isEqualTo("2");
        assertThat(ex.responseHeader("Content-Length")).isEqualTo(Integer.toString(ex.bytes().length));
        JsonNode error = Json.MAPPER.readTree(ex.bytes()).get("error");
        assertThat(error.get("message").asString()).isEqualTo("Starting.");
        assertThat(error.get("type").asString()).isEqualTo("server_error");
        assertThat(error.get("code").asString()).isEqualTo("model_loading");
        assertThat(error.has("param")).isTrue();
    }

    @Test
    void write_without_retry_after_sets_no_such_header() {
        RecordingExchange ex = RecordingExchange.chat("{}");

        Errors.write(ex, ApiError.modelNotFound("m"));

        assertThat(ex.status()).isEqualTo(404);
        assertThat(ex.responseHeader("Retry-After")).isNull();
    }

    @Test
    void write_to_a_client_that_is_gone_does_not_throw() {
        RecordingExchange ex = RecordingExchange.chat("{}").failingAfter(0);

        assertThatCode(() -> Errors.write(ex, new ApiError.Internal("x"))).doesNotThrowAnyException();
    }

    @Test
    void write_event_ends_a_stream_with_one_parseable_error_event() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        Errors.writeEvent(out, new ApiError.ModelUnavailable("Line one\nline \"two\"", "upstream_disconnected", Duration.ofSeconds(2)));

        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text).startsWith("data: {\"error\":").endsWith("}\n\n");
        assertThat(text.substring(0, text.length() - 2)).doesNotContain("\n"); // one data line: the message is escaped
        JsonNode error = Json.MAPPER.readTree(text.substring(6)).get("error");
        assertThat(error.get("message").asString()).isEqualTo("Line one\nline \"two\"");
        assertThat(error.get("code").asString()).isEqualTo("upstream_disconnected");
    }

    @Test
    void write_event_to_a_client_that_is_gone_does_not_throw() {
        OutputStream gone = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("Broken pipe");
            }
        };

        assertThatCode(() -> Errors.writeEvent(gone, new ApiError.Internal("x"))).doesNotThrowAnyException();
    }
}
