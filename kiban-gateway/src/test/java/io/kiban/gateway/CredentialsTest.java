package io.kiban.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import java.util.List;
import org.junit.jupiter.api.Test;

class CredentialsTest {

    private static ApiError refusal(String query) {
        ApiException e = catchThrowableOfType(ApiException.class, () -> Credentials.rejectInQuery(query));
        assertThat(e).as(query).isNotNull();
        return e.error();
    }

    @Test
    void queries_without_credentials_pass() {
        for (String query : List.of("", "a=1&b=2", "keyword=x", "monkey=1", "tokens=5", "max_tokens=5", "api=1", "&&", "=key")) {
            assertThatCode(() -> Credentials.rejectInQuery(query)).as(query).doesNotThrowAnyException();
        }
        assertThatCode(() -> Credentials.rejectInQuery(null)).doesNotThrowAnyException();
    }

    @Test
    void every_usual_key_parameter_is_refused_in_any_case_and_position() {
        for (String query : List.of("key=sk-1", "api_key=sk-1", "API_KEY=sk-1", "Api-Key=sk-1", "apikey=sk-1",
                "access_token=t", "token=t", "a=1&key=sk-1", "key", "key=", "x=1&TOKEN=t&y=2")) {
            ApiError e = refusal(query);

            assertThat(ApiError.status(e)).isEqualTo(400);
            assertThat(e.code()).isEqualTo("credentials_in_query_not_allowed");
            assertThat(e.message()).doesNotContain("sk-1").contains("Authorization: Bearer");
        }
        assertThat(refusal("a=1&API_KEY=sk-1").param()).isEqualTo("api_key");
    }

    @Test
    void percent_encoded_parameter_names_are_refused_too() {
        // Servers decode names before use, and the raw query (with the key) lands in access logs all the same.
        for (String query : List.of("api%5Fkey=sk-1", "%6Bey=sk-1", "api%2dkey=sk-1", "access%5ftoken=t", "api+key=x&%74oken=t")) {
            assertThat(refusal(query).code()).as(query).isEqualTo("credentials_in_query_not_allowed");
        }
    }

    @Test
    void a_malformed_percent_escape_does_not_break_the_check() {
        assertThatCode(() -> Credentials.rejectInQuery("a=%zz&b=%")).doesNotThrowAnyException();
        assertThat(refusal("a=%zz&key=1").code()).isEqualTo("credentials_in_query_not_allowed");
    }
}
