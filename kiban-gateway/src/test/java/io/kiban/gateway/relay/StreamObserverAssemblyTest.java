package io.kiban.gateway.relay;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamObserverAssemblyTest {
    static final String HEAD = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",";

    static StreamObserver observe(boolean stripUsage, String... payloads) {
        var o = new StreamObserver(System.nanoTime(), stripUsage, true);
        for (String p : payloads) {
            byte[] event = ("data: " + p + "\n\n").getBytes(StandardCharsets.UTF_8);
            o.onEvent(event, 0, event.length);
        }
        return o;
    }

    static String delta(int index, String contentJson, String finish) {
        return HEAD + "\"choices\":[{\"index\":" + index + ",\"delta\":{" + (contentJson == null ? ""
                : "\"content\":" + contentJson) + "},\"logprobs\":null,\"finish_reason\":"
                + (finish == null ? "null" : "\"" + finish + "\"") + "}]}";
    }

    @Test
    void assembles_a_chat_stream_with_its_finish_reason_and_usage() {
        var o = observe(true, HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}",
                delta(0, "\"Once\"", null), delta(0, "\" upon\"", null), delta(0, null, "length"),
                HEAD + "\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}",
                "[DONE]");
        assertThat(o.texts()).containsExactly("Once upon");
        assertThat(o.finishReasons()).containsExactly("length");
        assertThat(o.textEvents()).isEqualTo(2);
        assertThat(o.completionTokens()).isEqualTo(2);
        assertThat(o.done()).isTrue();
        assertThat(o.id()).isEqualTo("chatcmpl-1");
    }

    @Test
    void escaped_and_non_ascii_text_is_decoded_exactly() {
        var o = observe(false, delta(0, "\"日本\"", null), delta(0, "\"語 \\\"q\\\"\\n\"", null),
                delta(0, "\"\\u00e9t\\u00e9\"", null), delta(0, null, "stop"));
        assertThat(o.texts()).containsExactly("日本語 \"q\"\nété");
        assertThat(o.finishReasons()).containsExactly("stop");
    }

    @Test
    void several_choices_are_assembled_by_index_whether_one_or_two_per_event() {
        String both = HEAD + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"},\"finish_reason\":null},"
                + "{\"index\":1,\"delta\":{\"content\":\"b\"},\"finish_reason\":null}]}";
        var o = observe(false, delta(1, "\"x\"", null), delta(0, "\"y\"", null), both, delta(1, null, "stop"),
                delta(0, null, "length"));
        assertThat(o.texts()).containsExactly("ya", "xb");
        assertThat(o.finishReasons()).containsExactly("length", "stop");
    }

    @Test
    void a_stream_cut_short_has_its_text_so_far_and_no_finish_reason() {
        var o = observe(false, delta(0, "\"Hel\"", null), delta(0, "\"lo\"", null));
        assertThat(o.texts()).containsExactly("Hello");
        assertThat(o.finishReasons()).isEqualTo(Arrays.asList((String) null));
        assertThat(o.textEvents()).isEqualTo(2);
        assertThat(o.completionTokens()).isEqualTo(-1);
        assertThat(o.done()).isFalse();
    }

    @Test
    void legacy_completion_streams_assemble_their_text() {
        String c = "{\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"created\":1,\"model\":\"m\",\"choices\":[{\"text\":\"%s\","
                + "\"index\":0,\"logprobs\":null,\"finish_reason\":%s}]}";
        var o = observe(false, c.formatted("ab", "null"), c.formatted("cd", "null"), c.formatted("", "\"stop\""));
        assertThat(o.texts()).isEqualTo(List.of("abcd"));
        assertThat(o.finishReasons()).containsExactly("stop");
    }
}
