package io.kiban.gateway.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamObserverTest {
    private static final String ROLE = "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}],\"usage\":null}\n\n";
    private static final String HEL = "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"},\"finish_reason\":null}],\"usage\":null}\n\n";
    private static final String LO = "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo \\\"q\\\"\"},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n";
    private static final String USAGE = "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":2,\"total_tokens\":14}}\n\n";
    private static final String DONE = "data: [DONE]\n\n";

    private record Relayed(StreamObserver observer, String output) {}

    private static Relayed relay(boolean stripUsage, boolean assemble, String... events) throws IOException {
        StreamObserver observer = new StreamObserver(System.nanoTime(), stripUsage, assemble);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        new SseRelay().relay(new ByteArrayInputStream(String.join("", events).getBytes(StandardCharsets.UTF_8)), out, observer);
        return new Relayed(observer, out.toString(StandardCharsets.UTF_8));
    }

    private static boolean see(StreamObserver o, String event) {
        byte[] b = ("xx" + event + "yy").getBytes(StandardCharsets.UTF_8); // the event sits inside a larger buffer
        return o.onEvent(b, 2, b.length - 2);
    }

    @Test
    void reads_the_id_the_usage_and_the_end_of_a_chat_stream() throws IOException {
        Relayed r = relay(false, false, ROLE, HEL, LO, USAGE, DONE);

        assertThat(r.observer.id()).isEqualTo("chatcmpl-1");
        assertThat(r.observer.promptTokens()).isEqualTo(12);
        assertThat(r.observer.completionTokens()).isEqualTo(2);
        assertThat(r.observer.done()).isTrue();
        assertThat(r.observer.error()).isFalse();
        assertThat(r.observer.events()).isEqualTo(4);
        assertThat(r.output).isEqualTo(ROLE + HEL + LO + USAGE + DONE);
    }

    @Test
    void withholds_the_usage_only_chunk_when_asked_and_nothing_else() throws IOException {
        String usageWithChoice = "data: {\"id\":\"chatcmpl-1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"!\"}}],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3}}\n\n";

        Relayed stripped = relay(true, false, ROLE, HEL, LO, usageWithChoice, USAGE, DONE);

        assertThat(stripped.output).isEqualTo(ROLE + HEL + LO + usageWithChoice + DONE);
        assertThat(stripped.observer.promptTokens()).isEqualTo(12);
        assertThat(stripped.observer.completionTokens()).isEqualTo(2);
    }

    @Test
    void forwards_the_usage_chunk_when_the_client_asked_for_it() throws IOException {
        assertThat(relay(false, false, ROLE, HEL, USAGE, DONE).output).isEqualTo(ROLE + HEL + USAGE + DONE);
    }

    @Test
    void text_that_mentions_usage_is_not_taken_for_the_usage_chunk() throws IOException {
        String sneaky = "data: {\"id\":\"x\",\"choices\":[],\"note\":\"\\\"usage\\\":{\\\"prompt_tokens\\\":999}\"}\n\n";

        Relayed r = relay(true, false, sneaky, DONE);

        assertThat(r.output).isEqualTo(sneaky + DONE);
        assertThat(r.observer.promptTokens()).isEqualTo(-1);
    }

    @Test
    void the_first_token_is_the_first_non_empty_content_not_the_role_chunk() {
        StreamObserver o = new StreamObserver(System.nanoTime(), false, false);

        see(o, ROLE);
        assertThat(o.firstTokenNanos()).isEqualTo(-1);
        see(o, HEL);
        long first = o.firstTokenNanos();
        assertThat(first).isNotNegative();
        see(o, LO);
        assertThat(o.firstTokenNanos()).isEqualTo(first);
    }

    @Test
    void the_first_token_of_a_legacy_completion_is_its_first_non_empty_text() {
        StreamObserver o = new StreamObserver(System.nanoTime(), false, false);

        see(o, "data: {\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"choices\":[{\"index\":0,\"text\":\"\"}]}\n\n");
        assertThat(o.firstTokenNanos()).isEqualTo(-1);
        see(o, "data: {\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"choices\":[{\"index\":0,\"text\":\"Once\"}]}\n\n");
        assertThat(o.firstTokenNanos()).isNotNegative();
        assertThat(o.id()).isEqualTo("cmpl-1");
    }

    @Test
    void assembles_the_text_of_each_choice_for_chat_and_legacy_completions() throws IOException {
        Relayed chat = relay(false, true, ROLE, HEL, LO, USAGE, DONE);
        Relayed legacy = relay(false, true,
                "data: {\"id\":\"cmpl-1\",\"choices\":[{\"index\":0,\"text\":\"Once\",\"logprobs\":null}]}\n\n",
                "data: {\"id\":\"cmpl-1\",\"choices\":[{\"text\":\" upon\",\"index\":0}]}\n\n",
                DONE);

        assertThat(chat.observer.texts()).containsExactly("Hello \"q\"");
        assertThat(legacy.observer.texts()).containsExactly("Once upon");
    }

    @Test
    void assembles_n_choices_by_index_in_any_order() throws IOException {
        Relayed r = relay(false, true,
                "data: {\"id\":\"c\",\"choices\":[{\"index\":1,\"delta\":{\"role\":\"assistant\",\"content\":\"B\"}}]}\n\n",
                "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"A\"}},{\"index\":2,\"delta\":{\"content\":\"C\"}}]}\n\n",
                "data: {\"id\":\"c\",\"choices\":[{\"delta\":{\"content\":\"b\"},\"index\":1}]}\n\n",
                "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":null,\"tool_calls\":[{\"index\":0}]}}]}\n\n",
                DONE);

        assertThat(r.observer.texts()).containsExactly("A", "Bb", "C");
    }

    @Test
    void recognises_done_with_or_without_a_space_and_with_crlf() {
        for (String done : List.of("data: [DONE]\n\n", "data:[DONE]\n\n", "data: [DONE]\r\n\r\n", "data: [DONE]")) {
            StreamObserver o = new StreamObserver(0, false, false);

            assertThat(see(o, done)).isTrue();
            assertThat(o.done()).as(done).isTrue();
            assertThat(o.events()).isZero();
        }
    }

    @Test
    void recognises_an_error_event_and_forwards_it() throws IOException {
        String error = "data: {\"error\":{\"message\":\"KV cache full\",\"type\":\"server_error\",\"code\":503}}\n\n";

        Relayed r = relay(true, false, ROLE, HEL, error);

        assertThat(r.observer.error()).isTrue();
        assertThat(r.observer.done()).isFalse();
        assertThat(r.output).isEqualTo(ROLE + HEL + error);
    }

    @Test
    void comments_and_events_without_data_pass_through_untouched() throws IOException {
        Relayed r = relay(true, false, ": keep-alive\n\n", "retry: 1000\n\n", HEL, DONE);

        assertThat(r.output).isEqualTo(": keep-alive\n\nretry: 1000\n\n" + HEL + DONE);
        assertThat(r.observer.events()).isEqualTo(1);
        assertThat(r.observer.done()).isTrue();
    }

    @Test
    void data_after_event_and_id_lines_is_still_seen() throws IOException {
        Relayed r = relay(true, false,
                "event: completion.chunk\nid: 1\n" + HEL,
                "event: completion.chunk\nid: 2\n" + USAGE,
                "event: completion.chunk\nid: 3\n" + DONE);

        assertThat(r.observer.id()).isEqualTo("chatcmpl-1");
        assertThat(r.observer.promptTokens()).isEqualTo(12);
        assertThat(r.observer.done()).isTrue();
        assertThat(r.output).doesNotContain("prompt_tokens");
    }

    @Test
    void json_with_spaces_after_colons_is_understood() throws IOException {
        // Python's json.dumps writes ", " and ": ", as some OpenAI-compatible servers do.
        String hel = "data: {\"id\": \"chatcmpl-9\", \"choices\": [{\"index\": 0, \"delta\": {\"content\": \"Hi\"}}]}\n\n";
        String usage = "data: {\"id\": \"chatcmpl-9\", \"choices\": [], \"usage\": {\"prompt_tokens\": 4, \"completion_tokens\": 1}}\n\n";
        StreamObserver o = new StreamObserver(System.nanoTime(), true, true);

        see(o, hel);
        assertThat(o.firstTokenNanos()).isNotNegative();
        assertThat(see(o, usage)).isFalse();
        assertThat(o.promptTokens()).isEqualTo(4);
        assertThat(o.completionTokens()).isEqualTo(1);
        assertThat(o.texts()).containsExactly("Hi");
        assertThat(o.id()).isEqualTo("chatcmpl-9");
    }

    @Test
    void malformed_events_are_forwarded_and_do_not_break_the_observer() throws IOException {
        String bad1 = "data: {\"id\":\"x\",\"choices\":[{\"delta\":{\"content\":\"a\"\n\n";
        String bad2 = "data: {\"usage\":{\"prompt_tokens\":99999999999999999999}}\n\n";
        String bad3 = "data: \u0000\u00ff not json\n\n";

        Relayed r = relay(true, true, bad1, bad2, bad3, HEL, DONE);

        assertThat(r.output).isEqualTo(bad1 + bad2 + bad3 + HEL + DONE);
        assertThat(r.observer.done()).isTrue();
        assertThat(r.observer.promptTokens()).isEqualTo(-1);
    }

    @Test
    void a_huge_choice_index_is_ignored_instead_of_allocating_for_it() {
        StreamObserver o = new StreamObserver(0, false, true);

        see(o, "data: {\"id\":\"c\",\"choices\":[{\"index\":2000000000,\"delta\":{\"content\":\"x\"}}]}\n\n");
        see(o, "data: {\"id\":\"c\",\"choices\":[{\"index\":-1,\"delta\":{\"content\":\"x\"}}]}\n\n");

        assertThat(o.texts()).isEmpty();
    }
}
