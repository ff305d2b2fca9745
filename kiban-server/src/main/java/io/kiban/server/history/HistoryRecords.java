package io.kiban.server.history;

import io.kiban.api.Json;
import io.kiban.gateway.spi.RequestRecord;
import io.kiban.store.history.HistoryKind;
import io.kiban.store.history.HistoryRecord;
import io.kiban.store.history.HistoryStatus;
import io.kiban.store.usage.UsageIncrement;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Turns what the gateway saw of a request ({@link RequestRecord}) into what the store keeps ({@link HistoryRecord},
 * {@link UsageIncrement}). Pure; runs on the request thread after the response was sent, so it stays cheap: a
 * stream's response is rebuilt as one {@code chat.completion} (or {@code text_completion}) object, a whole
 * response is kept as the runtime sent it.
 *
 * <p>Status: 200 is {@code completed}; 499 (the client went away, the stored text is what was generated until
 * then) is {@code incomplete}; anything else, including a stream the runtime broke off (502), is {@code error}.
 *
 * <p>Id: the response's own id ({@code chatcmpl-…}), which is what the client sees and what
 * {@code GET /v1/chat/completions/{id}} takes, when it is long enough to be unique (Kiban's workers, OpenAI, vLLM
 * and llama-server use 20 or more random characters); a shorter one (Ollama's {@code chatcmpl-123}, fixed ids of
 * mocks) would collide, and the Recorder keeps only the first record of an id, so such requests are recorded under
 * the gateway's own request id instead.
 */
final class HistoryRecords {
    static final int MIN_UNIQUE_ID_LENGTH = 20;

    private HistoryRecords() {}

    static HistoryRecord of(RequestRecord r) {
        HistoryKind kind = HistoryKind.fromWire(r.kind());
        String id = id(r);
        String model = model(r);
        Instant created = Instant.ofEpochMilli(r.startEpochMillis());
        long prompt = Math.max(0, r.promptTokens());
        long completion = Math.max(0, r.completionTokens());
        String request = r.requestBody() == null ? null : new String(r.requestBody(), StandardCharsets.UTF_8);
        String response = r.stream() && r.choiceTexts() != null
                ? rebuild(kind, id, model, created, r.choiceTexts(), r.finishReasons(), prompt, completion)
                : r.responseBody();
        return new HistoryRecord(id, kind, r.principal().userId(), r.principal().keyId(), r.principal().projectId(),
                model, r.clientIp(), status(r.status()), r.status(), request, response, created,
                r.ttftNanos() >= 0 ? Long.valueOf(r.ttftNanos() / 1_000_000) : null, r.durationNanos() / 1_000_000,
                prompt, completion, r.metadata());
    }

    /** The usage a request stands for, for {@code --history off}: the same counts its history row would imply. */
    static UsageIncrement usage(RequestRecord r) {
        return new UsageIncrement(Instant.ofEpochMilli(r.startEpochMillis()), r.principal().userId(),
                r.principal().keyId(), r.principal().projectId(), model(r), 1,
                status(r.status()) == HistoryStatus.ERROR ? 1 : 0, Math.max(0, r.promptTokens()),
                Math.max(0, r.completionTokens()));
    }

    static HistoryStatus status(int httpStatus) {
        return httpStatus == 200 ? HistoryStatus.COMPLETED
                : httpStatus == 499 ? HistoryStatus.INCOMPLETE : HistoryStatus.ERROR;
    }

    static String id(RequestRecord r) {
        String id = r.responseId();
        return id != null && id.length() >= MIN_UNIQUE_ID_LENGTH && id.length() <= 128 ? id : r.requestId();
    }

    private static String model(RequestRecord r) {
        String m = r.model() == null ? "" : r.model();
        return m.length() > 256 ? m.substring(0, 256) : m;
    }

    /** A stream's choices as the whole response would have been, with the usage it was billed. */
    static String rebuild(HistoryKind kind, String id, String model, Instant created, List<String> texts,
            List<String> finishReasons, long prompt, long completion) {
        boolean chat = kind == HistoryKind.CHAT;
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("id", id);
        o.put("object", chat ? "chat.completion" : "text_completion");
        o.put("created", created.getEpochSecond());
        o.put("model", model);
        ArrayNode choices = o.putArray("choices");
        for (int i = 0; i < texts.size(); i++) {
            ObjectNode c = choices.addObject();
            c.put("index", i);
            if (chat) {
                ObjectNode m = c.putObject("message");
                m.put("role", "assistant");
                m.put("content", texts.get(i));
                m.putNull("refusal");
            } else {
                c.put("text", texts.get(i));
            }
            c.putNull("logprobs");
            String finish = finishReasons != null && i < finishReasons.size() ? finishReasons.get(i) : null;
            if (finish == null) {
                c.putNull("finish_reason");
            } else {
                c.put("finish_reason", finish);
            }
        }
        ObjectNode u = o.putObject("usage");
        u.put("prompt_tokens", prompt);
        u.put("completion_tokens", completion);
        u.put("total_tokens", prompt + completion);
        o.putNull("system_fingerprint");
        return Json.MAPPER.writeValueAsString(o);
    }
}
