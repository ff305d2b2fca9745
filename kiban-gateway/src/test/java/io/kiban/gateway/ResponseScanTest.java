package io.kiban.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ResponseScanTest {

    private static ResponseScan scan(String body) {
        return ResponseScan.of(body.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void reads_the_id_and_usage_of_a_chat_completion() {
        assertThat(scan("{\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"message\":{\"id\":\"not-this\",\"content\":\"hi\"}}],"
                + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":5,\"total_tokens\":17,\"prompt_tokens_details\":{\"cached_tokens\":3}}}"))
                .isEqualTo(new ResponseScan("chatcmpl-1", 12, 5));
    }

    @Test
    void usage_may_come_before_the_id_and_with_spaces() {
        assertThat(scan("{ \"usage\" : { \"completion_tokens\" : 2 , \"prompt_tokens\" : 1 } , \"id\" : \"x\" }"))
                .isEqualTo(new ResponseScan("x", 1, 2));
    }

    @Test
    void embeddings_have_prompt_tokens_and_zero_completion_tokens() {
        assertThat(scan("{\"object\":\"list\",\"data\":[{\"embedding\":[0.1]}],\"usage\":{\"prompt_tokens\":3,\"total_tokens\":3}}"))
                .isEqualTo(new ResponseScan(null, 3, 0));
    }

    @Test
    void a_response_without_usage_has_unknown_counts() {
        assertThat(scan("{\"id\":\"x\",\"choices\":[]}")).isEqualTo(new ResponseScan("x", -1, -1));
        assertThat(scan("{\"id\":\"x\",\"usage\":null}")).isEqualTo(new ResponseScan("x", -1, -1));
    }

    @Test
    void odd_bodies_give_what_could_be_read_and_never_throw() {
        for (String body : List.of("", "[]", "null", "<!DOCTYPE html><html>502 Bad Gateway</html>", "{", "{\"id\":",
                "{\"usage\":{\"prompt_tokens\":1e99}}", "{\"usage\":{\"prompt_tokens\":99999999999999999999}}",
                "{\"usage\":{\"prompt_tokens\":\"12\"}}", "{\"usage\":[1,2]}", "{\"id\":7}",
                "{\"a\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}")) {
            ResponseScan s = scan(body);

            assertThat(s.promptTokens()).as(body.length() > 60 ? body.substring(0, 60) : body).isEqualTo(-1);
            assertThat(s.id()).isNull();
        }
        assertThat(scan("{\"id\":\"kept\",\"usage\":{\"prompt_tokens\":4,\"completion_tokens\":")).isEqualTo(new ResponseScan("kept", 4, -1, false));
    }
}
