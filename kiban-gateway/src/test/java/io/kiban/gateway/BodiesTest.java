package io.kiban.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.kiban.api.ApiException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Reading request bodies: sized by the declared length when there is one, never cut short by it. */
class BodiesTest {
    private static final String BODY = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final int LIMIT = 1024;

    private static String read(RecordingExchange ex) {
        return new String(Bodies.read(ex, LIMIT), StandardCharsets.UTF_8);
    }

    @Test
    void reads_a_body_of_its_declared_length() {
        assertThat(read(RecordingExchange.chat(BODY))).isEqualTo(BODY);
    }

    @Test
    void reads_an_undeclared_body_to_its_end() {
        assertThat(read(RecordingExchange.chat(BODY).declaring(-1))).isEqualTo(BODY);
    }

    @Test
    void reads_a_body_longer_than_declared_to_its_end() {
        assertThat(read(RecordingExchange.chat(BODY).declaring(10))).isEqualTo(BODY);
        assertThat(read(RecordingExchange.chat(BODY).declaring(0))).isEqualTo(BODY);
    }

    @Test
    void refuses_a_body_over_the_limit_that_was_declared_shorter() {
        String big = "{\"model\":\"m\",\"pad\":\"" + "x".repeat(LIMIT) + "\"}";

        ApiException e = catchThrowableOfType(ApiException.class,
                () -> Bodies.read(RecordingExchange.chat(big).declaring(100), LIMIT));

        assertThat(e.error().code()).isEqualTo("request_too_large");
    }
}
