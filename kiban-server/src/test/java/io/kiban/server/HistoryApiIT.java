package io.kiban.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionListParams;
import com.openai.models.chat.completions.ChatCompletionStoreMessage;
import io.kiban.api.Json;
import io.kiban.bench.sim.SimTokenizer;
import io.kiban.bench.sim.Simulator;
import io.kiban.store.audit.AuditAction;
import io.kiban.store.audit.AuditEvent;
import io.kiban.store.audit.AuditQuery;
import io.kiban.store.audit.AuditRepository;
import io.kiban.store.Database;
import io.kiban.store.history.HistoryRepository;
import io.kiban.store.keys.KeySettings;
import io.kiban.store.recorder.Recorder;
import io.kiban.store.tenancy.Role;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * History through a real server (H2) in front of simulators: OpenAI's stored chat completions API through the
 * official Java SDK, Kiban's history routes and export, isolation between users, metadata-only keys, streams cut
 * by the client or by the runtime, and the administrator's audited view.
 */
class HistoryApiIT {
    static Simulator fast;
    static Simulator slow;
    static Simulator breaking;
    static TestServer server;
    static Tenants tenants;
    static Http http;

    @BeforeAll
    static void start() throws Exception {
        fast = Simulator.builder().start();
        slow = Simulator.builder().itl(Duration.ofMillis(20)).tokens(300).start();
        breaking = Simulator.builder().dropAfter(5).tokens(50).start();
        Path dir = Files.createTempDirectory("kiban-history-it");
        server = TestServer.start(dir, List.of(), List.of("sim=" + fast.baseUrl(), "slow=" + slow.baseUrl(),
                "breaking=" + breaking.baseUrl()), 1, Duration.ofSeconds(5));
        tenants = new Tenants(server);
        http = new Http(server.port);
    }

    @AfterAll
    static void stop() {
        for (AutoCloseable c : new AutoCloseable[] {server, fast, slow, breaking}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    static void awaitWritten() throws InterruptedException {
        Recorded.settle(server);
    }

    static ChatCompletionCreateParams.Builder chat(String model, String content) {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage(content).maxCompletionTokens(8L);
    }

    @Test
    void the_sdk_lists_retrieves_and_deletes_stored_chat_completions() throws Exception {
        String user = tenants.user("alice", Role.USER);
        OpenAIClient client = server.client(tenants.key(user).secret());
        ChatCompletion whole = client.chat().completions().create(chat("sim", "hello there")
                .metadata(ChatCompletionCreateParams.Metadata.builder()
                        .putAdditionalProperty("topic", JsonValue.from("greeting")).build()).build());
        StringBuilder streamed = new StringBuilder();
        String streamId;
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions()
                .createStreaming(chat("sim", "once upon a time").build())) {
            List<ChatCompletionChunk> chunks = s.stream().toList();
            streamId = chunks.getFirst().id();
            chunks.forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(streamed::append)));
        }
        awaitWritten();

        List<ChatCompletion> all = new ArrayList<>();
        client.chat().completions().list().autoPager().forEach(all::add);
        assertThat(all).extracting(ChatCompletion::id).containsExactly(whole.id(), streamId); // oldest first

        ChatCompletion got = client.chat().completions().retrieve(whole.id());
        assertThat(got.choices().getFirst().message().content()).isEqualTo(whole.choices().getFirst().message().content());
        assertThat(got.usage().orElseThrow().totalTokens()).isEqualTo(whole.usage().orElseThrow().totalTokens());
        assertThat(got.model()).isEqualTo("sim");

        ChatCompletion rebuilt = client.chat().completions().retrieve(streamId);
        assertThat(rebuilt.choices().getFirst().message().content()).hasValue(streamed.toString());
        assertThat(rebuilt.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.LENGTH);
        assertThat(rebuilt.usage().orElseThrow().completionTokens()).isEqualTo(8);

        List<ChatCompletionStoreMessage> messages = client.chat().completions().messages().list(whole.id()).data();
        assertThat(messages).singleElement().satisfies(m -> {
            assertThat(m.content()).hasValue("hello there");
            assertThat(m.id()).isEqualTo(whole.id() + "-0");
        });

        var byTopic = client.chat().completions().list(ChatCompletionListParams.builder()
                .metadata(ChatCompletionListParams.Metadata.builder().putAdditionalProperty("topic", "greeting").build())
                .build()).data();
        assertThat(byTopic).extracting(ChatCompletion::id).containsExactly(whole.id());
        assertThat(client.chat().completions().list(ChatCompletionListParams.builder().model("other").build()).data())
                .isEmpty();
        var newestFirst = client.chat().completions().list(ChatCompletionListParams.builder().limit(1L)
                .order(ChatCompletionListParams.Order.DESC).build());
        assertThat(newestFirst.data()).extracting(ChatCompletion::id).containsExactly(streamId);
        assertThat(newestFirst.hasNextPage()).isTrue();
        assertThat(newestFirst.nextPage().data()).extracting(ChatCompletion::id).containsExactly(whole.id());

        assertThat(client.chat().completions().delete(whole.id()).deleted()).isTrue();
        assertThatThrownBy(() -> client.chat().completions().retrieve(whole.id())).isInstanceOf(NotFoundException.class);
        assertThat(client.chat().completions().list().data()).extracting(ChatCompletion::id).containsExactly(streamId);
    }

    @Test
    void another_user_gets_404_for_every_history_route_and_cannot_see_usage() throws Exception {
        String alice = tenants.user("alice", Role.USER);
        String bob = tenants.user("bob", Role.USER);
        String aliceKey = tenants.key(alice).secret();
        String bobKey = tenants.key(bob).secret();
        String id = server.client(aliceKey).chat().completions().create(chat("sim", "secret plans").build()).id();
        awaitWritten();
        assertThat(http.get("/api/v1/history/" + id, aliceKey).statusCode()).isEqualTo(200);

        for (String path : List.of("/v1/chat/completions/%s", "/v1/chat/completions/%s/messages", "/api/v1/history/%s")) {
            HttpResponse<String> foreign = http.get(path.formatted(id), bobKey);
            HttpResponse<String> missing = http.get(path.formatted("chatcmpl-doesnotexist0000000000"), bobKey);
            assertThat(foreign.statusCode()).as(path).isEqualTo(404);
            assertThat(missing.statusCode()).as(path).isEqualTo(404);
            assertThat(foreign.body().replace(id, "ID")).as(path)
                    .isEqualTo(missing.body().replace("chatcmpl-doesnotexist0000000000", "ID"));
        }
        assertThat(http.delete("/v1/chat/completions/" + id, bobKey).statusCode()).isEqualTo(404);
        assertThat(http.delete("/api/v1/history/" + id, bobKey).statusCode()).isEqualTo(404);
        assertThat(http.getJson("/v1/chat/completions", bobKey).path("data")).isEmpty();
        assertThat(http.getJson("/api/v1/history", bobKey).path("data")).isEmpty();
        assertThat(http.get("/api/v1/history/export", bobKey).body()).isEmpty();
        assertThat(http.get("/api/v1/usage?user_id=" + alice, bobKey).statusCode()).isEqualTo(404);
        assertThat(http.getJson("/api/v1/usage", bobKey).path("total").path("requests").asLong()).isZero();
        assertThat(http.get("/api/v1/admin/usage?user_id=" + alice, bobKey).statusCode()).isEqualTo(403);
        assertThat(http.get("/api/v1/admin/users/" + alice + "/history", bobKey).statusCode()).isEqualTo(403);
        assertThat(http.get("/v1/organization/usage/completions?start_time=0", bobKey).statusCode()).isEqualTo(403);
        // The failed deletes changed nothing.
        assertThat(http.get("/api/v1/history/" + id, aliceKey).statusCode()).isEqualTo(200);
    }

    @Test
    void a_metadata_only_key_stores_no_bodies_but_all_facts() throws Exception {
        String user = tenants.user("carol", Role.USER);
        var settings = new KeySettings("private", null, null, List.of(), List.of(), null, null, true);
        String key = tenants.key(user, settings).secret();
        ChatCompletion c = server.client(key).chat().completions().create(chat("sim", "my diary").build());
        awaitWritten();
        JsonNode r = http.getJson("/api/v1/history/" + c.id(), key);
        assertThat(r.path("request").isNull()).isTrue();
        assertThat(r.path("response").isNull()).isTrue();
        assertThat(r.path("usage").path("completion_tokens").asLong()).isEqualTo(8);
        assertThat(r.path("model").asString()).isEqualTo("sim");
        ChatCompletion stored = server.client(key).chat().completions().retrieve(c.id());
        assertThat(stored.choices()).isEmpty();
        assertThat(server.client(key).chat().completions().messages().list(c.id()).data()).isEmpty();
        var row = new HistoryRepository(server.bean(Database.class)).find(user, c.id()).orElseThrow();
        assertThat(row.requestBody()).isNull();
        assertThat(row.responseBody()).isNull();
    }

    @Test
    void a_stream_cut_by_the_client_is_stored_incomplete_with_its_text_and_billed_for_what_was_generated()
            throws Exception {
        String user = tenants.user("dave", Role.USER);
        String key = tenants.key(user).secret();
        String body = "{\"model\":\"slow\",\"stream\":true,\"max_tokens\":300,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"tell me a long story please\"}]}";
        int seen = 0;
        try (Socket s = new Socket("127.0.0.1", server.port)) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + key
                    + "\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
            out.flush();
            var in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while (seen < 10 && (line = in.readLine()) != null) {
                if (line.contains("\"content\":\"") && !line.contains("\"content\":\"\"")) {
                    seen++;
                }
            }
        } // the client goes away after 10 tokens of 300
        assertThat(seen).isEqualTo(10);
        JsonNode r = awaitOne(key, "incomplete");
        assertThat(r.path("http_status").asInt()).isEqualTo(499);
        long completion = r.path("usage").path("completion_tokens").asLong();
        assertThat(completion).isBetween(10L, 299L);
        assertThat(r.path("usage").path("prompt_tokens").asLong()) // reported by the runtime, not estimated
                .isEqualTo(SimTokenizer.count("tell me a long story please"));
        String text = r.path("response").path("choices").get(0).path("message").path("content").asString();
        assertThat(text.split(" ")).hasSize((int) completion); // one word per token
        assertThat(r.path("response").path("choices").get(0).path("finish_reason").isNull()).isTrue();
        JsonNode usage = http.getJson("/api/v1/usage", key).path("total");
        assertThat(usage.path("output_tokens").asLong()).isEqualTo(completion);
        assertThat(usage.path("requests").asLong()).isEqualTo(1);
    }

    @Test
    void a_stream_the_runtime_broke_off_is_stored_as_an_error_with_the_text_it_sent() throws Exception {
        String user = tenants.user("erin", Role.USER);
        String key = tenants.key(user).secret();
        StringBuilder text = new StringBuilder();
        assertThatThrownBy(() -> {
            try (StreamResponse<ChatCompletionChunk> s = server.client(key).chat().completions()
                    .createStreaming(chat("breaking", "hello").maxCompletionTokens(50L).build())) {
                s.stream().forEach(c -> c.choices().forEach(ch -> ch.delta().content().ifPresent(text::append)));
            }
        }).isInstanceOf(RuntimeException.class); // the final error event
        JsonNode r = awaitOne(key, "error");
        assertThat(r.path("http_status").asInt()).isEqualTo(502);
        assertThat(r.path("usage").path("completion_tokens").asLong()).isEqualTo(5);
        assertThat(r.path("response").path("choices").get(0).path("message").path("content").asString())
                .isEqualTo(text.toString());
        assertThat(http.getJson("/api/v1/usage", key).path("total").path("errors").asLong()).isEqualTo(1);
    }

    private static JsonNode awaitOne(String key, String status) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            awaitWritten();
            JsonNode data = http.getJson("/api/v1/history?status=" + status, key).path("data");
            if (data.size() == 1) {
                return data.get(0);
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no " + status + " record");
    }

    @Test
    void history_lists_filters_pages_and_exports_every_kind_of_request() throws Exception {
        String user = tenants.user("frank", Role.USER);
        String key = tenants.key(user).secret();
        Instant before = Instant.now().minusSeconds(1);
        for (int i = 0; i < 3; i++) {
            assertThat(http.post("/v1/chat/completions", key, "{\"model\":\"sim\",\"max_tokens\":4,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"hi " + i + "\"}]}").statusCode()).isEqualTo(200);
        }
        assertThat(http.post("/v1/completions", key, "{\"model\":\"sim\",\"max_tokens\":4,\"prompt\":\"abc\"}")
                .statusCode()).isEqualTo(200);
        assertThat(http.post("/v1/embeddings", key, "{\"model\":\"sim\",\"input\":\"abc def\"}").statusCode())
                .isEqualTo(200);
        assertThat(http.post("/v1/chat/completions", key, "{\"model\":\"nope\",\"messages\":[]}").statusCode())
                .isEqualTo(404);
        awaitWritten();

        assertThat(http.getJson("/api/v1/history", key).path("data")).hasSize(6);
        assertThat(http.getJson("/api/v1/history?kind=embedding", key).path("data")).singleElement()
                .satisfies(r -> assertThat(r.path("usage").path("prompt_tokens").asLong()).isEqualTo(2));
        assertThat(http.getJson("/api/v1/history?kind=chat,completion&status=completed", key).path("data")).hasSize(4);
        assertThat(http.getJson("/api/v1/history?status=error", key).path("data")).singleElement()
                .satisfies(r -> assertThat(r.path("http_status").asInt()).isEqualTo(404));
        assertThat(http.getJson("/api/v1/history?from=" + Instant.now().plusSeconds(60), key).path("data")).isEmpty();
        assertThat(http.getJson("/api/v1/history?from=" + before.getEpochSecond(), key).path("data")).hasSize(6);

        List<String> paged = new ArrayList<>();
        String after = null;
        do {
            JsonNode page = http.getJson("/api/v1/history?limit=4" + (after == null ? "" : "&after=" + after), key);
            page.path("data").forEach(r -> paged.add(r.path("id").asString()));
            after = page.path("has_more").asBoolean() ? page.path("last_id").asString() : null;
        } while (after != null);
        assertThat(paged).hasSize(6).doesNotHaveDuplicates();

        HttpResponse<String> export = http.get("/api/v1/history/export", key);
        assertThat(export.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith(
                "application/x-ndjson"));
        List<String> lines = export.body().lines().toList();
        assertThat(lines).hasSize(6);
        assertThat(lines).extracting(l -> Json.MAPPER.readTree(l).path("id").asString())
                .containsExactlyInAnyOrderElementsOf(paged);
        assertThat(Json.MAPPER.readTree(lines.getFirst()).path("request").path("messages").get(0)
                .path("content").asString()).isEqualTo("hi 0");
        assertThat(http.get("/api/v1/history?limit=0", key).statusCode()).isEqualTo(400);
        assertThat(http.get("/api/v1/history?from=yesterday", key).statusCode()).isEqualTo(400);
    }

    @Test
    void an_admin_reads_another_users_history_only_through_the_audited_route() throws Exception {
        String user = tenants.user("grace", Role.USER);
        String key = tenants.key(user).secret();
        String admin = tenants.user("root", Role.ADMIN);
        String adminKey = tenants.key(admin).secret();
        String id = server.client(key).chat().completions().create(chat("sim", "hello").build()).id();
        awaitWritten();
        assertThat(http.get("/api/v1/history/" + id, adminKey).statusCode()).isEqualTo(404); // not the admin's own
        JsonNode list = http.getJson("/api/v1/admin/users/" + user + "/history", adminKey);
        assertThat(list.path("data")).extracting(r -> r.path("id").asString()).containsExactly(id);
        assertThat(http.getJson("/api/v1/admin/users/" + user + "/history/" + id, adminKey).path("id").asString())
                .isEqualTo(id);
        assertThat(http.get("/api/v1/admin/users/" + user + "/history/export", adminKey).body().lines()).hasSize(1);
        awaitWritten();
        List<AuditEvent> events = new AuditRepository(server.bean(Database.class)).query(AuditQuery.ALL, null, 100)
                .stream().filter(e -> e.action().equals(AuditAction.HISTORY_READ_BY_ADMIN)
                        && user.equals(e.targetId())).toList();
        assertThat(events).hasSize(3).allSatisfy(e -> assertThat(e.actorId()).isEqualTo(admin));
    }

    @Test
    void usage_is_reported_by_model_and_day_as_json_and_csv() throws Exception {
        String user = tenants.user("henry", Role.USER);
        String key = tenants.key(user).secret();
        for (String model : List.of("sim", "sim", "slow")) {
            assertThat(http.post("/v1/chat/completions", key, "{\"model\":\"" + model + "\",\"max_tokens\":3,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"abcd efgh\"}]}").statusCode()).isEqualTo(200);
        }
        awaitWritten();
        JsonNode report = http.getJson("/api/v1/usage?group_by=model", key);
        assertThat(report.path("bucket").asString()).isEqualTo("day");
        assertThat(report.path("data")).hasSize(2);
        JsonNode sim = report.path("data").get(0);
        assertThat(sim.path("model").asString()).isEqualTo("sim");
        assertThat(sim.path("requests").asLong()).isEqualTo(2);
        assertThat(sim.path("input_tokens").asLong()).isEqualTo(4); // "abcd efgh": 2 tokens, twice
        assertThat(sim.path("output_tokens").asLong()).isEqualTo(6);
        assertThat(report.path("total").path("total_tokens").asLong()).isEqualTo(15);

        HttpResponse<String> csv = http.get("/api/v1/usage?group_by=model&bucket=hour&format=csv", key);
        assertThat(csv.headers().firstValue("content-type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/csv"));
        List<String> lines = csv.body().lines().toList();
        assertThat(lines.getFirst()).isEqualTo("bucket_start,model,requests,errors,input_tokens,output_tokens,total_tokens");
        assertThat(lines).hasSize(3);
        assertThat(lines.get(1)).endsWith(",sim,2,0,4,6,10");
        assertThat(http.get("/api/v1/usage?group_by=user", key).statusCode()).isEqualTo(400);
        assertThat(http.get("/api/v1/usage?bucket=week", key).statusCode()).isEqualTo(400);
    }

    @Test
    void the_openai_usage_api_answers_administrators_in_its_shape() throws Exception {
        String user = tenants.user("ida", Role.USER);
        String key = tenants.key(user).secret();
        String adminKey = tenants.key(tenants.user("boss", Role.ADMIN)).secret();
        assertThat(http.post("/v1/chat/completions", key, "{\"model\":\"sim\",\"max_tokens\":5,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}").statusCode()).isEqualTo(200);
        awaitWritten();
        long start = Instant.now().minus(Duration.ofHours(3)).getEpochSecond();
        JsonNode page = http.getJson("/v1/organization/usage/completions?start_time=" + start
                + "&bucket_width=1h&group_by=model&group_by=user_id&user_ids=" + user + "&limit=2", adminKey);
        assertThat(page.path("object").asString()).isEqualTo("page");
        assertThat(page.path("data")).hasSize(2);
        assertThat(page.path("has_more").asBoolean()).isTrue();
        JsonNode bucket = page.path("data").get(0);
        assertThat(bucket.path("object").asString()).isEqualTo("bucket");
        assertThat(bucket.path("end_time").asLong() - bucket.path("start_time").asLong()).isEqualTo(3600);
        List<JsonNode> results = new ArrayList<>();
        String next = page.path("next_page").asString();
        page.path("data").forEach(b -> b.path("results").forEach(results::add));
        while (next != null && !next.isEmpty()) {
            JsonNode more = http.getJson("/v1/organization/usage/completions?start_time=" + start
                    + "&bucket_width=1h&group_by=model&group_by=user_id&user_ids=" + user + "&limit=2&page=" + next,
                    adminKey);
            more.path("data").forEach(b -> b.path("results").forEach(results::add));
            next = more.path("has_more").asBoolean() ? more.path("next_page").asString() : null;
        }
        assertThat(results).singleElement().satisfies(r -> {
            assertThat(r.path("object").asString()).isEqualTo("organization.usage.completions.result");
            assertThat(r.path("model").asString()).isEqualTo("sim");
            assertThat(r.path("user_id").asString()).isEqualTo(user);
            assertThat(r.path("api_key_id").isNull()).isTrue();
            assertThat(r.path("num_model_requests").asLong()).isEqualTo(1);
            assertThat(r.path("input_tokens").asLong()).isEqualTo(2);
            assertThat(r.path("output_tokens").asLong()).isEqualTo(5);
        });
        assertThat(http.get("/v1/organization/usage/completions", adminKey).statusCode()).isEqualTo(400);
        assertThat(http.get("/v1/organization/usage/completions?start_time=" + start + "&bucket_width=1m", adminKey)
                .statusCode()).isEqualTo(400);
        JsonNode admin = http.getJson("/api/v1/admin/usage?user_id=" + user + "&group_by=user,model", adminKey);
        assertThat(admin.path("data")).singleElement()
                .satisfies(r -> assertThat(r.path("user_id").asString()).isEqualTo(user));
    }

    @Test
    void records_older_than_the_retention_are_purged_with_their_bodies() throws Exception {
        String user = tenants.user("old", Role.USER);
        String key = tenants.key(user).secret();
        var repo = new HistoryRepository(server.bean(Database.class));
        Instant longAgo = Instant.now().minus(Duration.ofDays(366)); // the default retention is 365 days
        repo.insert(new io.kiban.store.history.HistoryRecord("chatcmpl-ancient00000000000000", io.kiban.store.history
                .HistoryKind.CHAT, user, null, null, "sim", null, io.kiban.store.history.HistoryStatus.COMPLETED, 200,
                "{}", "{}", longAgo, null, 1, 1, 1, Map.of()));
        String recent = server.client(key).chat().completions().create(chat("sim", "hi").build()).id();
        awaitWritten();
        assertThat(server.bean(io.kiban.server.history.RetentionSchedule.class).purgeNow().history()).isEqualTo(1);
        assertThat(http.get("/api/v1/history/chatcmpl-ancient00000000000000", key).statusCode()).isEqualTo(404);
        assertThat(http.get("/api/v1/history/" + recent, key).statusCode()).isEqualTo(200);
    }
}
