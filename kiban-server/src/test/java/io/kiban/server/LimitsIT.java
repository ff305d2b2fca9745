package io.kiban.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.bench.sim.Simulator;
import io.kiban.store.keys.KeySettings;
import io.kiban.store.recorder.Recorder;
import io.kiban.store.tenancy.Role;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Rate limits and token quotas through a real server in front of a simulator (exact, deterministic usage), under
 * concurrent load: what gets through stays within the limit (plus one request for quotas), refusals are 429s with
 * a code naming the limit, {@code Retry-After} and OpenAI's {@code x-ratelimit-*} headers.
 */
class LimitsIT {
    static Simulator sim;
    static TestServer server;
    static Tenants tenants;
    static Http http;

    @BeforeAll
    static void start() throws Exception {
        sim = Simulator.builder().itl(Duration.ofMillis(1)).start();
        server = TestServer.start(Files.createTempDirectory("kiban-limits-it"), List.of(),
                List.of("sim=" + sim.baseUrl()), 1, Duration.ofSeconds(5));
        tenants = new Tenants(server);
        http = new Http(server.port);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (sim != null) {
            sim.close();
        }
    }

    static String chat(int maxTokens) {
        return "{\"model\":\"sim\",\"max_tokens\":" + maxTokens
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"count to ten\"}]}";
    }

    /** Sends n requests at once; returns the responses. */
    static List<HttpResponse<String>> concurrently(int n, String key, String body) throws Exception {
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<HttpResponse<String>>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                futures.add(pool.submit(() -> http.post("/v1/chat/completions", key, body)));
            }
            List<HttpResponse<String>> out = new ArrayList<>();
            for (var f : futures) {
                out.add(f.get());
            }
            return out;
        }
    }

    static KeySettings limits(Integer rpm, Long tpm, String project) {
        return new KeySettings("limited", project, null, List.of(), List.of(), rpm, tpm, false);
    }

    @Test
    void a_key_gets_its_requests_per_minute_under_concurrent_load_and_no_more() throws Exception {
        String key = tenants.key(tenants.user("rpm", Role.USER), limits(10, null, null)).secret();
        long start = System.nanoTime();
        List<HttpResponse<String>> all = concurrently(50, key, chat(4));
        double minutes = (System.nanoTime() - start) / 60e9;
        long ok = all.stream().filter(r -> r.statusCode() == 200).count();
        assertThat(ok).isGreaterThanOrEqualTo(10).isLessThanOrEqualTo(10 + (long) Math.ceil(10 * minutes));
        HttpResponse<String> refused = all.stream().filter(r -> r.statusCode() == 429).findFirst().orElseThrow();
        assertThat(http.json(refused).path("error").path("code").asString()).isEqualTo("rate_limit_requests");
        assertThat(http.json(refused).path("error").path("type").asString()).isEqualTo("rate_limit_error");
        assertThat(refused.headers().firstValue("retry-after")).hasValueSatisfying(v ->
                assertThat(Long.parseLong(v)).isBetween(1L, 60L));
        assertThat(refused.headers().firstValue("x-ratelimit-limit-requests")).hasValue("10");
        assertThat(refused.headers().firstValue("x-ratelimit-remaining-requests")).hasValue("0");
        awaitWritten();
        JsonNode usage = http.getJson("/api/v1/usage", key).path("total");
        assertThat(usage.path("requests").asLong()).isEqualTo(50); // refusals are recorded, as errors
        assertThat(usage.path("errors").asLong()).isEqualTo(50 - ok);
    }

    @Test
    void rate_limit_headers_count_down_with_every_request() throws Exception {
        String key = tenants.key(tenants.user("headers", Role.USER), limits(5, 10_000L, null)).secret();
        List<Long> requests = new ArrayList<>();
        List<Long> tokens = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = http.post("/v1/chat/completions", key, chat(100));
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("x-ratelimit-limit-requests")).hasValue("5");
            assertThat(r.headers().firstValue("x-ratelimit-limit-tokens")).hasValue("10000");
            assertThat(r.headers().firstValue("x-ratelimit-reset-requests")).hasValueSatisfying(v ->
                    assertThat(v).matches("\\d+(\\.\\d+)?s|\\d+ms"));
            requests.add(Long.parseLong(r.headers().firstValue("x-ratelimit-remaining-requests").orElseThrow()));
            tokens.add(Long.parseLong(r.headers().firstValue("x-ratelimit-remaining-tokens").orElseThrow()));
        }
        assertThat(requests.getFirst()).isEqualTo(4);
        assertThat(requests).isSortedAccordingTo((a, b) -> Long.compare(b, a)).doesNotHaveDuplicates();
        assertThat(tokens.getFirst()).isLessThan(10_000 - 100); // this request's estimate is held while it runs
        HttpResponse<String> sixth = http.post("/v1/chat/completions", key, chat(100));
        assertThat(sixth.statusCode()).isEqualTo(429);
    }

    @Test
    void a_key_spends_at_most_its_tokens_per_minute_under_concurrent_load() throws Exception {
        String key = tenants.key(tenants.user("tpm", Role.USER), limits(null, 1_000L, null)).secret();
        long start = System.nanoTime();
        List<HttpResponse<String>> all = concurrently(40, key, chat(100));
        double minutes = (System.nanoTime() - start) / 60e9;
        assertThat(all).extracting(HttpResponse::statusCode).contains(200, 429);
        all.stream().filter(r -> r.statusCode() == 429).forEach(r ->
                assertThat(http.json(r).path("error").path("code").asString()).isEqualTo("rate_limit_tokens"));
        awaitWritten();
        long used = http.getJson("/api/v1/usage", key).path("total").path("total_tokens").asLong();
        assertThat(used).isPositive().isLessThanOrEqualTo(1_000 + (long) Math.ceil(1_000 * minutes));

        HttpResponse<String> tooBig = http.post("/v1/chat/completions", key, chat(5_000));
        assertThat(tooBig.statusCode()).isEqualTo(429);
        assertThat(http.json(tooBig).path("error").path("message").asString()).contains("more than key");
    }

    @Test
    void a_users_daily_quota_holds_under_concurrent_load_within_one_request() throws Exception {
        String admin = tenants.key(tenants.user("admin", Role.ADMIN)).secret();
        String user = tenants.user("quota", Role.USER);
        String key = tenants.key(user).secret();
        HttpResponse<String> put = http.put("/api/v1/quotas/user/" + user + "/day", admin, "{\"token_limit\":2000}");
        assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        assertThat(http.put("/api/v1/quotas/user/" + user + "/day", key, "{\"token_limit\":9}").statusCode())
                .isEqualTo(403);

        String body = chat(50);
        long estimate = (body.length() + 3) / 4 + 50;
        List<HttpResponse<String>> all = concurrently(80, key, body);
        assertThat(all).extracting(HttpResponse::statusCode).contains(200, 429);
        HttpResponse<String> refused = all.stream().filter(r -> r.statusCode() == 429).findFirst().orElseThrow();
        JsonNode error = http.json(refused).path("error");
        assertThat(error.path("code").asString()).isEqualTo("quota_exceeded_user_day");
        assertThat(error.path("message").asString()).contains("resets at");
        assertThat(refused.headers().firstValue("retry-after")).hasValueSatisfying(v ->
                assertThat(Long.parseLong(v)).isBetween(1L, 25 * 3600L));
        // Refusals during the burst can be early (in-flight requests hold their whole estimate until they settle);
        // one by one, the rest of the budget is spent until the last request that fits.
        for (int i = 0; i < 50 && http.post("/v1/chat/completions", key, body).statusCode() == 200; i++) {
            // keep spending
        }
        awaitWritten();
        long used = http.getJson("/api/v1/usage", key).path("total").path("total_tokens").asLong();
        assertThat(used).isGreaterThan(2000 - estimate).isLessThanOrEqualTo(2000 + estimate);

        JsonNode mine = http.getJson("/api/v1/quotas", key).path("data");
        assertThat(mine).singleElement().satisfies(q -> {
            assertThat(q.path("token_limit").asLong()).isEqualTo(2000);
            assertThat(q.path("used_tokens").asLong()).isEqualTo(used);
            assertThat(q.path("period").asString()).isEqualTo("day");
        });
        assertThat(http.delete("/api/v1/quotas/user/" + user + "/day", admin).statusCode()).isEqualTo(200);
        assertThat(http.post("/v1/chat/completions", key, body).statusCode()).isEqualTo(200); // lifted at once
        assertThat(http.delete("/api/v1/quotas/user/" + user + "/day", admin).statusCode()).isEqualTo(404);
    }

    @Test
    void a_project_quota_applies_to_every_key_billed_to_the_project() throws Exception {
        String admin = tenants.key(tenants.user("admin2", Role.ADMIN)).secret();
        String user = tenants.user("member", Role.USER);
        String project = tenants.project("lab", user);
        String key = tenants.key(user, limits(null, null, project)).secret();
        String other = tenants.key(user).secret(); // not billed to the project
        assertThat(http.put("/api/v1/quotas/project/" + project + "/month", admin, "{\"token_limit\":300}")
                .statusCode()).isEqualTo(200);
        int ok = 0;
        HttpResponse<String> last = null;
        for (int i = 0; i < 10; i++) {
            last = http.post("/v1/chat/completions", key, chat(50));
            if (last.statusCode() == 200) {
                ok++;
            } else {
                break;
            }
        }
        assertThat(ok).isBetween(4, 7); // 53 tokens each: 300 / 53, plus the one allowed overshoot
        assertThat(http.json(last).path("error").path("code").asString()).isEqualTo("quota_exceeded_project_month");
        assertThat(http.post("/v1/chat/completions", other, chat(50)).statusCode()).isEqualTo(200);
        assertThat(http.put("/api/v1/quotas/project/prj_nope/day", admin, "{\"token_limit\":1}").statusCode())
                .isEqualTo(404);
        awaitWritten();
        assertThat(http.getJson("/api/v1/usage?project_id=" + project, key).path("total").path("requests").asLong())
                .isEqualTo(ok + 1);
    }

    static void awaitWritten() throws InterruptedException {
        Recorded.settle(server);
    }
}
