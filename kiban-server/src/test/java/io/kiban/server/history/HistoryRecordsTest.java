package io.kiban.server.history;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.api.Json;
import io.kiban.gateway.spi.Principal;
import io.kiban.gateway.spi.RequestRecord;
import io.kiban.store.history.HistoryKind;
import io.kiban.store.history.HistoryRecord;
import io.kiban.store.history.HistoryStatus;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class HistoryRecordsTest {
    static final Principal ALICE = new Principal("usr_a", "key_a", "prj_a", false, Set.of(), false);

    static RequestRecord record(String responseId, int status, boolean stream, List<String> texts, List<String> finish,
            String responseBody) {
        return new RequestRecord("req_x_1", responseId, "chat", "m", ALICE, "10.0.0.1", status, stream,
                1_700_000_000_123L, 5_000_000, 80_000_000, 12, 3,
                "{\"model\":\"m\",\"messages\":[]}".getBytes(StandardCharsets.UTF_8), responseBody, null, texts,
                finish, Map.of("course", "nlp"));
    }

    @Test
    void a_stream_is_stored_as_the_chat_completion_it_assembles_to() {
        HistoryRecord r = HistoryRecords.of(record("chatcmpl-0123456789abcdefghij", 200, true,
                List.of("Hello", "Hi"), Arrays.asList("stop", "length"), "Hello\n\nHi"));
        assertThat(r.id()).isEqualTo("chatcmpl-0123456789abcdefghij");
        assertThat(r.kind()).isEqualTo(HistoryKind.CHAT);
        assertThat(r.status()).isEqualTo(HistoryStatus.COMPLETED);
        assertThat(r.ttftMs()).isEqualTo(5);
        assertThat(r.durationMs()).isEqualTo(80);
        assertThat(r.metadata()).containsEntry("course", "nlp");
        JsonNode c = Json.MAPPER.readTree(r.responseBody());
        assertThat(c.path("object").asString()).isEqualTo("chat.completion");
        assertThat(c.path("created").asLong()).isEqualTo(1_700_000_000L);
        assertThat(c.path("choices").get(1).path("message").path("content").asString()).isEqualTo("Hi");
        assertThat(c.path("choices").get(1).path("finish_reason").asString()).isEqualTo("length");
        assertThat(c.path("usage").path("total_tokens").asLong()).isEqualTo(15);
    }

    @Test
    void a_stream_cut_short_keeps_its_text_with_no_finish_reason_and_is_incomplete() {
        HistoryRecord r = HistoryRecords.of(record("chatcmpl-0123456789abcdefghij", 499, true, List.of("Hel"),
                Arrays.asList((String) null), "Hel"));
        assertThat(r.status()).isEqualTo(HistoryStatus.INCOMPLETE);
        JsonNode choice = Json.MAPPER.readTree(r.responseBody()).path("choices").get(0);
        assertThat(choice.path("message").path("content").asString()).isEqualTo("Hel");
        assertThat(choice.path("finish_reason").isNull()).isTrue();
        assertThat(HistoryRecords.status(502)).isEqualTo(HistoryStatus.ERROR);
    }

    @Test
    void a_whole_response_is_kept_as_the_runtime_sent_it() {
        String body = "{\"id\":\"chatcmpl-0123456789abcdefghij\",\"choices\":[]}";
        assertThat(HistoryRecords.of(record("chatcmpl-0123456789abcdefghij", 200, false, null, null, body))
                .responseBody()).isEqualTo(body);
    }

    @Test
    void short_response_ids_that_could_repeat_are_replaced_by_the_request_id() {
        assertThat(HistoryRecords.of(record("chatcmpl-123", 200, false, null, null, null)).id()).isEqualTo("req_x_1");
        assertThat(HistoryRecords.of(record(null, 429, false, null, null, null)).id()).isEqualTo("req_x_1");
    }

    @Test
    void usage_only_counts_the_same_as_the_history_row_would() {
        var u = HistoryRecords.usage(record("chatcmpl-0123456789abcdefghij", 502, true, null, null, null));
        assertThat(u.requests()).isEqualTo(1);
        assertThat(u.errors()).isEqualTo(1);
        assertThat(u.promptTokens()).isEqualTo(12);
        assertThat(u.completionTokens()).isEqualTo(3);
        assertThat(u.projectId()).isEqualTo("prj_a");
    }
}
