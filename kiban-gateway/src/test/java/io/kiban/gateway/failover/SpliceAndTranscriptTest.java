package io.kiban.gateway.failover;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.api.Json;
import io.kiban.gateway.relay.SseEditor;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class SpliceAndTranscriptTest {

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] edit(Splice s, String event) throws Exception {
        byte[] in = b(event);
        return s.edit(in, 0, in.length);
    }

    static JsonNode json(byte[] event) {
        String s = new String(event, StandardCharsets.UTF_8);
        assertThat(s).startsWith("data: ").endsWith("\n\n");
        return Json.MAPPER.readTree(s.substring(6));
    }

    @Test
    void a_continuation_reads_as_the_original_stream() throws Exception {
        Splice s = new Splice("chatcmpl-A", 100, 7, 3);

        byte[] opening = edit(s, "data: {\"id\":\"chatcmpl-B\",\"created\":200,\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n");
        byte[] text = edit(s, "data: {\"id\":\"chatcmpl-B\",\"created\":200,\"choices\":[{\"index\":0,\"delta\":{\"content\":\" time\"}}]}\n\n");
        byte[] finish = edit(s, "data: {\"id\":\"chatcmpl-B\",\"created\":200,\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
        byte[] usage = edit(s, "data: {\"id\":\"chatcmpl-B\",\"created\":200,\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":8,\"total_tokens\":18}}\n\n");

        assertThat(opening).isSameAs(SseEditor.WITHHOLD);
        assertThat(json(text).path("id").asString()).isEqualTo("chatcmpl-A");
        assertThat(json(text).path("created").asLong()).isEqualTo(100);
        assertThat(json(text).path("choices").get(0).path("delta").path("content").asString()).isEqualTo(" time");
        assertThat(json(finish).path("choices").get(0).path("finish_reason").asString()).isEqualTo("stop");
        JsonNode u = json(usage).path("usage");
        assertThat(u.path("prompt_tokens").asInt()).isEqualTo(7);
        assertThat(u.path("completion_tokens").asInt()).isEqualTo(11);
        assertThat(u.path("total_tokens").asInt()).isEqualTo(18);
        assertThat(s.usage()).isEqualTo(new StitchedUsage(7, 11));
    }

    @Test
    void an_opening_chunk_that_carries_text_keeps_the_text_and_loses_the_role() throws Exception {
        Splice s = new Splice("x", -1, -1, 0);

        JsonNode e = json(edit(s, "data: {\"id\":\"y\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"the\"}}]}\n\n"));

        assertThat(e.path("choices").get(0).path("delta").has("role")).isFalse();
        assertThat(e.path("choices").get(0).path("delta").path("content").asString()).isEqualTo("the");
        assertThat(e.path("id").asString()).isEqualTo("x");
    }

    @Test
    void comments_done_errors_and_garbage_pass_unchanged() throws Exception {
        Splice s = new Splice("x", 1, 1, 1);
        for (String event : new String[] {": keep-alive\n\n", "data: [DONE]\n\n",
                "data: {\"error\":{\"message\":\"no\"}}\n\n", "data: <html>\n\n", "data: {broken\n\n"}) {
            assertThat(edit(s, event)).as(event).isNull();
        }
    }

    @Test
    void the_transcript_keeps_the_text_of_choice_zero_and_what_it_saw() {
        Transcript t = new Transcript();
        String[] events = {
            "data: {\"id\":\"a\",\"created\":5,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n",
            "data: {\"id\":\"a\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n",
            ": comment\n\n",
            "data: {\"id\":\"a\",\"choices\":[{\"index\":0,\"text\":\"lo\",\"finish_reason\":\"length\"}]}\n\n",
        };
        Transcript.Event[] kinds = new Transcript.Event[events.length];
        for (int i = 0; i < events.length; i++) {
            byte[] e = b(events[i]);
            kinds[i] = t.record(e, 0, e.length);
        }

        assertThat(kinds).containsExactly(Transcript.Event.OTHER, Transcript.Event.TEXT, Transcript.Event.OTHER, Transcript.Event.TEXT);
        assertThat(t.text()).isEqualTo("Hello");
        assertThat(t.textEvents()).isEqualTo(2);
        assertThat(t.finished()).isTrue();
        assertThat(t.id()).isEqualTo("a");
        assertThat(t.created()).isEqualTo(5);
        assertThat(t.model()).isEqualTo("m");
        assertThat(t.manyChoices()).isFalse();
    }

    @Test
    void a_cut_off_or_foreign_event_is_garbage_and_records_nothing() {
        Transcript t = new Transcript();
        for (String e : new String[] {"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}],\"usa",
                "data: Internal Server Error\n\n", "data: {\"a\":1}{\"b\":2}\n\n"}) {
            byte[] bytes = b(e);
            assertThat(t.record(bytes, 0, bytes.length)).as(e).isEqualTo(Transcript.Event.GARBAGE);
        }
        assertThat(t.text()).isEmpty();
        assertThat(t.textEvents()).isZero();
    }

    @Test
    void a_second_choice_is_noticed_and_errors_and_done_are_told_apart() {
        Transcript t = new Transcript();
        byte[] second = b("data: {\"choices\":[{\"index\":1,\"delta\":{\"content\":\"x\"}}]}\n\n");
        byte[] error = b("data: {\"error\":{\"message\":\"no\"}}\n\n");
        byte[] done = b("data: [DONE]\n\n");

        assertThat(t.record(second, 0, second.length)).isEqualTo(Transcript.Event.OTHER);
        assertThat(t.record(error, 0, error.length)).isEqualTo(Transcript.Event.ERROR);
        assertThat(t.record(done, 0, done.length)).isEqualTo(Transcript.Event.DONE);
        assertThat(t.manyChoices()).isTrue();
        assertThat(t.done()).isTrue();
        assertThat(t.text()).isEmpty();
    }
}
