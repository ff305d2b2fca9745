package io.kiban.server.history;

import io.kiban.gateway.spi.Principal;
import io.kiban.gateway.spi.RequestRecord;
import io.kiban.store.history.HistoryRecord;
import io.kiban.store.usage.UsageIncrement;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What {@link HistoryListener} does on the request thread before its queue offer: {@link HistoryRecords#of} for a
 * streamed chat (the assembled 256-token text rebuilt as one {@code chat.completion}), for a whole response (kept
 * as sent), both with a 4 KB request body decoded to a string, and {@link HistoryRecords#usage} ({@code --history
 * off}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class HistoryRecordsBenchmark {
    private RequestRecord streamed;
    private RequestRecord whole;

    @Setup
    public void setup() {
        StringBuilder body = new StringBuilder("{\"model\":\"qwen2.5-0.5b-instruct\",\"messages\":[");
        while (body.length() < 4000) {
            body.append("{\"role\":\"user\",\"content\":\"How do I reroute shipment #4401 when the depot is closed?\"},");
        }
        body.append("{\"role\":\"user\",\"content\":\"Thanks.\"}],\"stream\":true}");
        byte[] request = body.toString().getBytes(StandardCharsets.UTF_8);
        StringBuilder text = new StringBuilder();
        while (text.length() < 256 * 4) {
            text.append("The harbour master kept a ledger of every ship. ");
        }
        String answer = text.substring(0, 256 * 4);
        Principal p = new Principal("user_1", "key_1", "proj_1", false, Set.of(), false);
        String id = "chatcmpl-Qm3xT8vK2pLw9ZrB4nY7cJ1d";
        streamed = new RequestRecord("req_1", id, "chat", "qwen2.5-0.5b-instruct", p, "10.1.2.3", 200, true,
                1_795_320_665_000L, 41_000_000L, 1_250_000_000L, 31, 256, request, answer, null, List.of(answer),
                List.of("stop"), Map.of());
        String json = "{\"id\":\"" + id + "\",\"object\":\"chat.completion\",\"created\":1795320665,\"model\":"
                + "\"qwen2.5-0.5b-instruct\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\""
                + answer + "\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":"
                + "{\"prompt_tokens\":31,\"completion_tokens\":256,\"total_tokens\":287},\"system_fingerprint\":null}";
        whole = new RequestRecord("req_2", id, "chat", "qwen2.5-0.5b-instruct", p, "10.1.2.3", 200, false,
                1_795_320_665_000L, 41_000_000L, 1_250_000_000L, 31, 256, request, json, null, null, null, Map.of());
        if (!ofStream().responseBody().contains(answer) || ofWhole().responseBody() != json) {
            throw new IllegalStateException("history record not built");
        }
    }

    @Benchmark
    public HistoryRecord ofStream() {
        return HistoryRecords.of(streamed);
    }

    @Benchmark
    public HistoryRecord ofWhole() {
        return HistoryRecords.of(whole);
    }

    @Benchmark
    public UsageIncrement usageOnly() {
        return HistoryRecords.usage(streamed);
    }
}
