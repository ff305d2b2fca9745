package io.kiban.gateway.failover;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiban.api.Json;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class ContinuationRequestTest {

    static JsonNode chat(String body, String sofar, int tokens) throws Exception {
        return Json.MAPPER.readTree(ContinuationRequest.build(true, body.getBytes(StandardCharsets.UTF_8), sofar, tokens));
    }

    static JsonNode completion(String body, String sofar, int tokens) throws Exception {
        return Json.MAPPER.readTree(ContinuationRequest.build(false, body.getBytes(StandardCharsets.UTF_8), sofar, tokens));
    }

    @Test
    void chat_appends_the_text_as_an_assistant_message_to_continue_with_a_smaller_budget() throws Exception {
        JsonNode c = chat("{\"model\":\"m\",\"stream\":true,\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                " Once upon", 2);

        assertThat(c.path("messages")).hasSize(2);
        assertThat(c.path("messages").get(1).path("role").asString()).isEqualTo("assistant");
        assertThat(c.path("messages").get(1).path("content").asString()).isEqualTo(" Once upon");
        assertThat(c.path("continue_final_message").asBoolean()).isTrue();
        assertThat(c.path("add_generation_prompt").asBoolean(true)).isFalse();
        assertThat(c.path("max_tokens").asInt()).isEqualTo(8);
        assertThat(c.path("stream").asBoolean()).isTrue();
        assertThat(c.path("stream_options").path("include_usage").asBoolean()).isTrue();
    }

    @Test
    void max_completion_tokens_is_reduced_and_no_limit_stays_no_limit() throws Exception {
        assertThat(chat("{\"max_completion_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "a", 1)
                .path("max_completion_tokens").asInt()).isEqualTo(4);
        assertThat(chat("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "a", 1).has("max_tokens")).isFalse();
    }

    @Test
    void a_client_already_continuing_an_assistant_message_gets_the_text_added_to_it() throws Exception {
        JsonNode c = chat("{\"continue_final_message\":true,\"add_generation_prompt\":false,\"messages\":["
                + "{\"role\":\"user\",\"content\":\"hi\"},{\"role\":\"assistant\",\"content\":\"Sure:\"}]}", " yes", 1);

        assertThat(c.path("messages")).hasSize(2);
        assertThat(c.path("messages").get(1).path("content").asString()).isEqualTo("Sure: yes");
    }

    @Test
    void with_no_text_yet_the_continuation_is_the_original_request_with_usage() throws Exception {
        JsonNode c = chat("{\"response_format\":{\"type\":\"json_object\"},\"max_tokens\":9,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "", 0);

        assertThat(c.path("messages")).hasSize(1);
        assertThat(c.has("continue_final_message")).isFalse();
        assertThat(c.path("max_tokens").asInt()).isEqualTo(9);
    }

    @Test
    void legacy_completions_append_the_text_to_the_prompt_and_default_to_sixteen_tokens() throws Exception {
        JsonNode c = completion("{\"prompt\":\"Say:\",\"stream\":true}", " hi", 1);
        JsonNode listed = completion("{\"prompt\":[\"Say:\"],\"max_tokens\":4}", " hi", 1);

        assertThat(c.path("prompt").asString()).isEqualTo("Say: hi");
        assertThat(c.path("max_tokens").asInt()).isEqualTo(15);
        assertThat(listed.path("prompt").asString()).isEqualTo("Say: hi");
        assertThat(listed.path("max_tokens").asInt()).isEqualTo(3);
    }

    @Test
    void the_rest_of_the_request_is_sent_exactly_as_the_client_wrote_it() throws Exception {
        byte[] out = ContinuationRequest.build(true, ("{\"temperature\":0.90000000000000000000001,\"seed\":18446744073709551615,"
                + "\"stop\":[\"\\n\"],\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").getBytes(StandardCharsets.UTF_8), "a", 1);

        assertThat(new String(out, StandardCharsets.UTF_8)).contains("0.90000000000000000000001").contains("18446744073709551615")
                .contains("\"stop\":[\"\\n\"]");
    }

    @Test
    void what_cannot_be_continued_says_why() {
        String user = "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";
        assertThatThrownBy(() -> chat("{\"n\":2," + user + "}", "a", 1)).hasMessageContaining("n > 1");
        assertThatThrownBy(() -> chat("{\"response_format\":{\"type\":\"json_schema\"}," + user + "}", "{\"a\"", 1))
                .hasMessageContaining("response_format");
        assertThatThrownBy(() -> chat("{\"tools\":[{\"type\":\"function\"}]," + user + "}", "a", 1)).hasMessageContaining("tools");
        assertThatThrownBy(() -> chat("{\"max_tokens\":3," + user + "}", "abc", 3)).hasMessageContaining("budget");
        assertThatThrownBy(() -> chat("{" + user + "}", "a\uD800", 1)).hasMessageContaining("surrogate");
        assertThatThrownBy(() -> completion("{\"prompt\":\"x\",\"echo\":true}", "a", 1)).hasMessageContaining("echo");
        assertThatThrownBy(() -> completion("{\"prompt\":\"x\",\"suffix\":\"y\"}", "a", 1)).hasMessageContaining("suffix");
        assertThatThrownBy(() -> completion("{\"prompt\":[1,2,3]}", "a", 1)).hasMessageContaining("prompt");
    }

    @Test
    void the_budget_of_a_request_is_read_from_its_body() {
        assertThat(ContinuationRequest.budget(true, "{\"max_tokens\":7}".getBytes(StandardCharsets.UTF_8))).isEqualTo(7);
        assertThat(ContinuationRequest.budget(true, "{\"max_completion_tokens\":5,\"max_tokens\":7}".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(5);
        assertThat(ContinuationRequest.budget(true, "{}".getBytes(StandardCharsets.UTF_8))).isEqualTo(-1);
        assertThat(ContinuationRequest.budget(false, "{}".getBytes(StandardCharsets.UTF_8))).isEqualTo(16);
    }
}
