package io.kiban.bench.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ResponseMeterTest {

    private static boolean hasText(String json) {
        byte[] b = json.getBytes(StandardCharsets.UTF_8);
        return ResponseMeter.hasText(b, 0, b.length);
    }

    @Test
    void detects_generated_text_in_every_openai_shape() {
        assertThat(hasText("{\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}")).isTrue();
        assertThat(hasText("{\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}")).isFalse();
        assertThat(hasText("{\"choices\":[{\"delta\":{\"content\": \"spaced\"}}]}")).isTrue();
        assertThat(hasText("{\"choices\":[{\"delta\":{\"content\":null}}]}")).isFalse();
        assertThat(hasText("{\"choices\":[{\"text\":\" tok\",\"index\":0}]}")).isTrue();
        assertThat(hasText("{\"choices\":[{\"delta\":{\"reasoning_content\":\"think\"}}]}")).isTrue();
        assertThat(hasText("{\"choices\":[{\"delta\":{\"reasoning\":\"think\"}}]}")).isTrue();
        assertThat(hasText("{\"choices\":[{\"delta\":{},\"finish_reason\":\"stop\"}]}")).isFalse();
        assertThat(hasText("{\"choices\":[],\"usage\":{\"prompt_tokens\":3}}")).isFalse();
    }

    private static void feed(ResponseMeter m, String s, long t) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        m.onBytes(b, 0, b.length, t);
    }

    @Test
    void times_text_events_and_reads_usage_across_split_reads() {
        ResponseMeter m = new ResponseMeter(true, true);
        feed(m, "data: {\"choices\":[{\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n", 1_000_000);
        feed(m, "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\nda", 2_000_000);
        feed(m, "ta: {\"choices\":[{\"delta\":{\"content\":\"b\"}}]}\r\n\r\n", 5_000_000);
        feed(m, "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2,"
                + "\"prompt_tokens_details\":{\"cached_tokens\":4}}}\n\ndata: [DONE]\n\n", 6_000_000);
        CallResult r = m.finish(200, 0, 500_000, 7_000_000, null);
        assertThat(r.ok()).isTrue();
        assertThat(r.firstTokenNanos()).isEqualTo(2_000_000);
        assertThat(r.contentEvents()).isEqualTo(2);
        assertThat(r.itlCount()).isEqualTo(1);
        assertThat(r.itlMicros()[0]).isEqualTo(3_000);
        assertThat(r.promptTokens()).isEqualTo(7);
        assertThat(r.completionTokens()).isEqualTo(2);
        assertThat(r.cachedTokens()).isEqualTo(4);
        assertThat(r.usageMissing()).isFalse();
    }

    @Test
    void a_stream_without_done_is_incomplete_and_without_usage_counts_events() {
        ResponseMeter m = new ResponseMeter(true, true);
        feed(m, "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\n\n", 1);
        CallResult r = m.finish(200, 0, 1, 2, null);
        assertThat(r.failure()).isEqualTo("incomplete");
        assertThat(r.usageMissing()).isTrue();
        assertThat(r.completionTokens()).isEqualTo(1);
    }

    @Test
    void an_error_event_fails_the_stream() {
        ResponseMeter m = new ResponseMeter(true, true);
        feed(m, "data: {\"error\":{\"message\":\"boom\"}}\n\ndata: [DONE]\n\n", 1);
        assertThat(m.finish(200, 0, 1, 2, null).failure()).isEqualTo("stream_error");
    }

    @Test
    void plain_bodies_give_usage_and_errors_give_their_status() {
        ResponseMeter m = new ResponseMeter(false, true);
        feed(m, "{\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":5}}", 1);
        CallResult r = m.finish(200, 0, 1, 2, null);
        assertThat(r.promptTokens()).isEqualTo(3);
        assertThat(r.completionTokens()).isEqualTo(5);
        assertThat(new ResponseMeter(false, true).finish(503, 0, 1, 2, null).failure()).isEqualTo("http_503");
    }
}
