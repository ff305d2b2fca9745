package io.kiban.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.errors.NotFoundException;
import com.openai.errors.PermissionDeniedException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.models.Model;
import io.kiban.bench.sim.Simulator;
import io.kiban.server.AdminApi.Issued;
import io.kiban.store.keys.LastUseTracker;
import io.kiban.store.recorder.Recorder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Users, projects and keys through the admin API of a real server (H2), with model calls through the official OpenAI
 * SDK to a simulated model: key lifecycle, expiry, networks, model scope, isolation between users, mass assignment
 * and the audit log.
 */
class TenancyApiIT {
    static Simulator sim;
    static TestServer server;
    static JsonHttp http;
    static AdminApi admin;

    @BeforeAll
    static void start() throws Exception {
        sim = Simulator.builder().models("sim", "other").start();
        Path dir = Files.createTempDirectory("kiban-tenancy-it");
        server = TestServer.start(dir.resolve("data"), List.of(),
                List.of("sim=" + sim.baseUrl(), "other=" + sim.baseUrl()), 1, Duration.ofSeconds(10));
        http = new JsonHttp(server.root());
        admin = new AdminApi(http, server.adminKey);
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

    static ChatCompletion chat(String key, String model) {
        OpenAIClient client = server.client(key);
        return client.chat().completions().create(ChatCompletionCreateParams.builder().model(model)
                .addUserMessage("hello").maxCompletionTokens(4L).build());
    }

    @Test
    void a_key_works_until_rotated_and_the_new_secret_works_until_revoked() {
        String alice = admin.user("alice");
        Issued key = admin.key(alice, "");
        assertThat(key.secret()).startsWith("sk-kiban-");
        assertThat(key.json().path("prefix").asString()).isEqualTo(key.secret().substring(0, 14));
        assertThat(key.json().path("user_id").asString()).isEqualTo(alice);
        assertThat(key.json().path("status").asString()).isEqualTo("active");
        assertThat(chat(key.secret(), "sim").choices()).isNotEmpty();

        JsonHttp.Answer rotated = http.post("/api/v1/keys/" + key.id() + "/rotate", key.secret(), null);
        assertThat(rotated.status()).as(rotated.body()).isEqualTo(200);
        String fresh = rotated.json().path("secret").asString();
        assertThat(fresh).startsWith("sk-kiban-").isNotEqualTo(key.secret());
        assertThat(rotated.json().path("id").asString()).isEqualTo(key.id());
        assertThatThrownBy(() -> chat(key.secret(), "sim")).isInstanceOf(UnauthorizedException.class);
        assertThat(chat(fresh, "sim").choices()).isNotEmpty();

        JsonHttp.Answer revoked = http.delete("/api/v1/keys/" + key.id(), fresh);
        assertThat(revoked.status()).as(revoked.body()).isEqualTo(200);
        assertThat(revoked.json().path("status").asString()).isEqualTo("revoked");
        assertThat(revoked.json().has("secret")).isFalse();
        assertThatThrownBy(() -> chat(fresh, "sim")).isInstanceOfSatisfying(UnauthorizedException.class,
                e -> assertThat(e.code()).hasValue("invalid_api_key"));

        JsonHttp.Answer listed = http.get("/api/v1/keys?user_id=" + alice, admin.adminKey);
        assertThat(listed.json().path("object").asString()).isEqualTo("list");
        JsonNode only = listed.json().path("data").get(0);
        assertThat(only.path("status").asString()).isEqualTo("revoked");
        assertThat(listed.body()).doesNotContain(key.secret().substring(14)).doesNotContain(fresh.substring(14))
                .doesNotContain("secret_hash");
        assertThat(http.post("/api/v1/keys/" + key.id() + "/rotate", admin.adminKey, null).error().path("code").asString())
                .isEqualTo("key_revoked");
    }

    @Test
    void a_user_manages_their_own_keys_with_their_own_key() {
        String bob = admin.user("bob");
        Issued first = admin.key(bob, "");
        Issued second = admin.create(first.secret(), "{\"name\":\"laptop\",\"rpm_limit\":30}");
        assertThat(second.json().path("user_id").asString()).isEqualTo(bob);
        assertThat(second.json().path("rpm_limit").asInt()).isEqualTo(30);
        JsonHttp.Answer mine = http.get("/api/v1/keys", second.secret());
        assertThat(mine.json().path("data")).extracting(n -> n.path("id").asString()).containsExactlyInAnyOrder(first.id(), second.id());
        // A limited key cannot lift its own limit; the unlimited one can.
        assertThat(http.patch("/api/v1/keys/" + second.id(), second.secret(), "{\"rpm_limit\":null}").status()).isEqualTo(403);
        JsonHttp.Answer renamed = http.patch("/api/v1/keys/" + second.id(), first.secret(), "{\"name\":\"desktop\",\"rpm_limit\":null}");
        assertThat(renamed.status()).as(renamed.body()).isEqualTo(200);
        assertThat(renamed.json().path("name").asString()).isEqualTo("desktop");
        assertThat(renamed.json().path("rpm_limit").isNull()).isTrue();
    }

    @Test
    void a_page_of_keys_says_whether_more_follow() {
        String carol = admin.user("carol");
        for (int i = 0; i < 3; i++) {
            admin.key(carol, "");
        }
        JsonNode page1 = http.get("/api/v1/keys?user_id=" + carol + "&limit=2", admin.adminKey).json();
        assertThat(page1.path("data")).hasSize(2);
        assertThat(page1.path("has_more").asBoolean()).isTrue();
        JsonNode page2 = http.get("/api/v1/keys?user_id=" + carol + "&limit=2&after=" + page1.path("last_id").asString(),
                admin.adminKey).json();
        assertThat(page2.path("data")).hasSize(1);
        assertThat(page2.path("has_more").asBoolean()).isFalse();
    }

    @Test
    void an_expired_key_is_refused_with_a_401_that_says_it_expired() throws Exception {
        String dave = admin.user("dave");
        long expires = Instant.now().getEpochSecond() + 2;
        Issued key = admin.key(dave, "\"expires_at\":" + expires);
        assertThat(key.json().path("expires_at").asLong()).isEqualTo(expires);
        assertThat(http.get("/v1/models", key.secret()).status()).isEqualTo(200);
        while (Instant.now().getEpochSecond() < expires) {
            Thread.sleep(100);
        }
        assertThatThrownBy(() -> chat(key.secret(), "sim")).isInstanceOfSatisfying(UnauthorizedException.class, e -> {
            assertThat(e.code()).hasValue("expired_api_key");
            assertThat(e.getMessage()).contains("expired");
        });
        assertThat(http.get("/api/v1/keys/" + key.id(), admin.adminKey).json().path("status").asString()).isEqualTo("expired");
        JsonHttp.Answer past = http.post("/api/v1/keys", admin.adminKey, "{\"user_id\":\"" + dave + "\",\"name\":\"x\",\"expires_at\":1}");
        assertThat(past.status()).isEqualTo(400);
        assertThat(past.error().path("param").asString()).isEqualTo("expires_at");
    }

    @Test
    void a_key_used_from_outside_its_networks_is_refused_with_403_without_naming_them() {
        String erin = admin.user("erin");
        Issued elsewhere = admin.key(erin, "\"allowed_cidrs\":[\"10.0.0.0/8\",\"2001:db8::/32\"]");
        assertThat(elsewhere.json().path("allowed_cidrs")).extracting(JsonNode::asString)
                .containsExactly("10.0.0.0/8", "2001:db8::/32");
        assertThatThrownBy(() -> chat(elsewhere.secret(), "sim")).isInstanceOfSatisfying(PermissionDeniedException.class, e -> {
            assertThat(e.code()).hasValue("network_not_allowed");
            assertThat(e.getMessage()).doesNotContain("10.0.0.0").doesNotContain("127.0.0.1").doesNotContain("2001:db8");
        });
        assertThat(http.get("/api/v1/keys", elsewhere.secret()).status()).isEqualTo(403);

        Issued loopback = admin.key(erin, "\"allowed_cidrs\":[\"127.0.0.0/8\",\"::1\"]");
        assertThat(chat(loopback.secret(), "sim").choices()).isNotEmpty();

        JsonHttp.Answer bad = http.post("/api/v1/keys", admin.adminKey,
                "{\"user_id\":\"" + erin + "\",\"name\":\"x\",\"allowed_cidrs\":[\"10.1.2.3/8\"]}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.error().path("param").asString()).isEqualTo("allowed_cidrs");
        assertThat(bad.error().path("message").asString()).contains("10.0.0.0/8");
    }

    @Test
    void a_model_outside_the_keys_scope_is_404_model_not_found_everywhere() {
        String frank = admin.user("frank");
        Issued key = admin.key(frank, "\"allowed_models\":[\"sim\"]");
        assertThat(chat(key.secret(), "sim").choices()).isNotEmpty();
        assertThatThrownBy(() -> chat(key.secret(), "other")).isInstanceOfSatisfying(NotFoundException.class,
                e -> assertThat(e.code()).hasValue("model_not_found"));
        OpenAIClient client = server.client(key.secret());
        assertThat(client.models().list().data()).extracting(Model::id).containsExactly("sim");
        assertThatThrownBy(() -> client.models().retrieve("other")).isInstanceOf(NotFoundException.class);
    }

    @Test
    void another_users_key_answers_exactly_like_a_missing_one_and_is_left_untouched() {
        String gina = admin.user("gina");
        String hank = admin.user("hank");
        Issued ginas = admin.key(gina, "");
        Issued hanks = admin.key(hank, "");
        String missing = "key_00000000000000000000";
        for (String[] call : new String[][] {{"GET", ""}, {"PATCH", ""}, {"POST", "/rotate"}, {"DELETE", ""}}) {
            String body = call[0].equals("PATCH") ? "{\"name\":\"mine now\"}" : null;
            JsonHttp.Answer foreign = http.send(call[0], "/api/v1/keys/" + ginas.id() + call[1], hanks.secret(), body);
            JsonHttp.Answer absent = http.send(call[0], "/api/v1/keys/" + missing + call[1], hanks.secret(), body);
            assertThat(foreign.status()).as(call[0] + " " + foreign.body()).isEqualTo(404);
            assertThat(foreign.body()).isEqualTo(absent.body());
        }
        assertThat(http.get("/api/v1/users/" + gina, hanks.secret()).status()).isEqualTo(404);
        assertThat(http.get("/api/v1/users/" + gina, hanks.secret()).body())
                .isEqualTo(http.get("/api/v1/users/usr_00000000000000000000", hanks.secret()).body());
        assertThat(chat(ginas.secret(), "sim").choices()).isNotEmpty();
        assertThat(http.get("/api/v1/keys/" + ginas.id(), ginas.secret()).json().path("name").asString()).isEqualTo("test key");
        assertThat(http.get("/api/v1/keys?user_id=" + gina, hanks.secret()).status()).isEqualTo(403);
    }

    @Test
    void a_user_gets_403_on_administrator_routes() {
        String ivan = admin.user("ivan");
        String other = admin.user("judy");
        Issued key = admin.key(ivan, "");
        assertThat(http.post("/api/v1/users", key.secret(), "{\"name\":\"x\",\"email\":\"x@example.ac.jp\"}").error()
                .path("code").asString()).isEqualTo("admin_only");
        assertThat(http.get("/api/v1/users", key.secret()).status()).isEqualTo(403);
        assertThat(http.get("/api/v1/audit", key.secret()).status()).isEqualTo(403);
        assertThat(http.post("/api/v1/projects", key.secret(), "{\"name\":\"p\"}").status()).isEqualTo(403);
        JsonHttp.Answer forOther = http.post("/api/v1/keys", key.secret(), "{\"name\":\"x\",\"user_id\":\"" + other + "\"}");
        assertThat(forOther.status()).isEqualTo(403);
        assertThat(http.get("/api/v1/keys?user_id=" + other, admin.adminKey).json().path("data")).isEmpty();
    }

    @Test
    void mass_assignment_is_refused_and_changes_nothing() {
        String kate = admin.user("kate");
        Issued key = admin.key(kate, "\"allowed_models\":[\"sim\"],\"rpm_limit\":10");
        JsonHttp.Answer role = http.patch("/api/v1/users/me", key.secret(), "{\"role\":\"admin\"}");
        assertThat(role.status()).isEqualTo(403);
        JsonHttp.Answer unknown = http.patch("/api/v1/users/me", key.secret(), "{\"is_admin\":true}");
        assertThat(unknown.status()).isEqualTo(400);
        assertThat(unknown.error().path("code").asString()).isEqualTo("unknown_field");
        assertThat(unknown.error().path("param").asString()).isEqualTo("is_admin");
        JsonHttp.Answer hash = http.post("/api/v1/keys", key.secret(), "{\"name\":\"x\",\"secret_hash\":\"00\"}");
        assertThat(hash.status()).isEqualTo(400);
        assertThat(hash.error().path("param").asString()).isEqualTo("secret_hash");
        JsonHttp.Answer rotateWithSettings = http.post("/api/v1/keys/" + key.id() + "/rotate", key.secret(), "{\"allowed_models\":[]}");
        assertThat(rotateWithSettings.status()).isEqualTo(400);

        JsonNode me = http.get("/api/v1/users/me", key.secret()).json();
        assertThat(me.path("role").asString()).isEqualTo("user");
        assertThat(http.patch("/api/v1/users/me", key.secret(), "{\"name\":\"Kate K.\"}").json().path("name").asString())
                .isEqualTo("Kate K.");

        // A key can only mint keys within its own rights; what it leaves out it passes on.
        for (String broader : List.of("{\"name\":\"x\",\"allowed_models\":[]}", "{\"name\":\"x\",\"allowed_models\":[\"other\"]}",
                "{\"name\":\"x\",\"rpm_limit\":1000}")) {
            JsonHttp.Answer a = http.post("/api/v1/keys", key.secret(), broader);
            assertThat(a.status()).as(broader + " " + a.body()).isEqualTo(403);
            assertThat(a.error().path("code").asString()).isEqualTo("exceeds_creator_rights");
        }
        Issued child = admin.create(key.secret(), "{\"name\":\"child\"}");
        assertThat(child.json().path("allowed_models")).extracting(JsonNode::asString).containsExactly("sim");
        assertThat(child.json().path("rpm_limit").asInt()).isEqualTo(10);
        JsonHttp.Answer widen = http.patch("/api/v1/keys/" + child.id(), key.secret(), "{\"allowed_models\":[]}");
        assertThat(widen.status()).isEqualTo(403);
        // A narrow key cannot get a new secret for a broader key of the same user.
        Issued broad = admin.key(kate, "");
        assertThat(http.post("/api/v1/keys/" + broad.id() + "/rotate", key.secret(), null).status()).isEqualTo(403);
        assertThat(http.get("/api/v1/keys/" + child.id(), admin.adminKey).json().path("allowed_models"))
                .extracting(JsonNode::asString).containsExactly("sim");
    }

    @Test
    void emails_are_unique_ignoring_case() {
        JsonHttp.Answer first = http.post("/api/v1/users", admin.adminKey, "{\"name\":\"Lee\",\"email\":\"Lee.Case@Example.ac.jp\"}");
        assertThat(first.json().path("email").asString()).isEqualTo("lee.case@example.ac.jp");
        JsonHttp.Answer again = http.post("/api/v1/users", admin.adminKey, "{\"name\":\"Lee 2\",\"email\":\"LEE.CASE@example.ac.jp\"}");
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.error().path("code").asString()).isEqualTo("email_taken");
        assertThat(again.error().path("message").asString()).contains("lee.case@example.ac.jp");
        assertThat(http.get("/api/v1/users?email=LEE.case@example.ac.jp", admin.adminKey).json().path("data").get(0)
                .path("id").asString()).isEqualTo(first.json().path("id").asString());
    }

    @Test
    void deactivating_a_user_stops_their_keys_at_once_and_reactivating_restores_them() {
        String mia = admin.user("mia");
        Issued key = admin.key(mia, "");
        assertThat(http.get("/v1/models", key.secret()).status()).isEqualTo(200);
        JsonHttp.Answer off = http.patch("/api/v1/users/" + mia, admin.adminKey, "{\"active\":false}");
        assertThat(off.json().path("active").asBoolean()).isFalse();
        assertThat(http.get("/v1/models", key.secret()).status()).isEqualTo(401);
        assertThat(http.post("/api/v1/keys", admin.adminKey, "{\"user_id\":\"" + mia + "\",\"name\":\"x\"}").status())
                .isEqualTo(409);
        http.patch("/api/v1/users/" + mia, admin.adminKey, "{\"active\":true}");
        assertThat(http.get("/v1/models", key.secret()).status()).isEqualTo(200);
    }

    @Test
    void an_administrator_cannot_demote_or_deactivate_themselves_but_can_promote_others() {
        JsonHttp.Answer self = http.patch("/api/v1/users/me", admin.adminKey, "{\"role\":\"user\"}");
        assertThat(self.status()).isEqualTo(409);
        assertThat(self.error().path("code").asString()).isEqualTo("cannot_change_own_admin");
        String ned = admin.user("ned");
        Issued key = admin.key(ned, "");
        assertThat(http.get("/api/v1/users", key.secret()).status()).isEqualTo(403);
        assertThat(http.patch("/api/v1/users/" + ned, admin.adminKey, "{\"role\":\"admin\"}").json().path("role").asString())
                .isEqualTo("admin");
        assertThat(http.get("/api/v1/users", key.secret()).status()).isEqualTo(200);
        http.patch("/api/v1/users/" + ned, admin.adminKey, "{\"role\":\"user\"}");
        assertThat(http.get("/api/v1/users", key.secret()).status()).isEqualTo(403);
    }

    @Test
    void projects_group_users_whose_managers_manage_members_and_keys_bill_to_them() {
        String olga = admin.user("olga");
        String pete = admin.user("pete");
        String quin = admin.user("quin");
        Issued olgas = admin.key(olga, "");
        Issued petes = admin.key(pete, "");
        Issued quins = admin.key(quin, "");
        JsonHttp.Answer created = http.post("/api/v1/projects", admin.adminKey,
                "{\"name\":\"lab-" + olga + "\",\"description\":\"NLP lab\"}");
        assertThat(created.status()).as(created.body()).isEqualTo(200);
        String project = created.json().path("id").asString();
        assertThat(http.post("/api/v1/projects", admin.adminKey, "{\"name\":\"lab-" + olga + "\"}").status()).isEqualTo(409);

        assertThat(http.post("/api/v1/projects/" + project + "/members", admin.adminKey,
                "{\"user_id\":\"" + olga + "\",\"role\":\"manager\"}").status()).isEqualTo(200);
        assertThat(http.get("/api/v1/projects/" + project, petes.secret()).status()).isEqualTo(404);
        JsonHttp.Answer added = http.post("/api/v1/projects/" + project + "/members", olgas.secret(),
                "{\"email\":\"" + http.get("/api/v1/users/" + pete, admin.adminKey).json().path("email").asString() + "\"}");
        assertThat(added.status()).as(added.body()).isEqualTo(200);
        assertThat(added.json().path("role").asString()).isEqualTo("member");

        assertThat(http.get("/api/v1/projects", petes.secret()).json().path("data")).extracting(n -> n.path("id").asString())
                .containsExactly(project);
        JsonNode members = http.get("/api/v1/projects/" + project + "/members", petes.secret()).json().path("data");
        assertThat(members).hasSize(2);
        assertThat(members.get(0).path("email").isNull()).isTrue(); // plain members do not see addresses
        assertThat(http.post("/api/v1/projects/" + project + "/members", petes.secret(),
                "{\"user_id\":\"" + quin + "\"}").status()).isEqualTo(403);
        assertThat(http.patch("/api/v1/projects/" + project, olgas.secret(), "{\"description\":null}").json()
                .path("description").isNull()).isTrue();

        Issued billed = admin.create(petes.secret(), "{\"name\":\"lab key\",\"project_id\":\"" + project + "\"}");
        assertThat(billed.json().path("project_id").asString()).isEqualTo(project);
        assertThat(http.post("/api/v1/keys", quins.secret(), "{\"name\":\"x\",\"project_id\":\"" + project + "\"}").status())
                .isEqualTo(404);
        assertThat(http.delete("/api/v1/projects/" + project + "/members/" + pete, olgas.secret()).status()).isEqualTo(200);
        assertThat(http.get("/api/v1/projects/" + project, petes.secret()).status()).isEqualTo(404);
    }

    @Test
    void last_use_is_recorded_in_memory_and_written_in_the_background() {
        String rita = admin.user("rita");
        Issued key = admin.key(rita, "");
        assertThat(key.json().path("last_used_at").isNull()).isTrue();
        long before = Instant.now().getEpochSecond();
        chat(key.secret(), "sim");
        server.bean(LastUseTracker.class).flush();
        long used = http.get("/api/v1/keys/" + key.id(), admin.adminKey).json().path("last_used_at").asLong();
        assertThat(used).isBetween(before, Instant.now().getEpochSecond());
    }

    @Test
    void the_audit_log_records_key_events_role_changes_and_authentication_failures() throws Exception {
        String sam = admin.user("sam");
        Issued key = admin.key(sam, "");
        http.post("/api/v1/keys/" + key.id() + "/rotate", admin.adminKey, null);
        http.delete("/api/v1/keys/" + key.id(), admin.adminKey);
        http.patch("/api/v1/users/" + sam, admin.adminKey, "{\"role\":\"admin\"}");
        String probeIp = "127.0.0.1";
        for (int i = 0; i < 5; i++) {
            http.get("/v1/models", "sk-kiban-notarealkeynotarealkeynotarealk00000");
        }
        assertThat(server.bean(Recorder.class).awaitWritten(Duration.ofSeconds(10))).isTrue();

        JsonNode keyEvents = http.get("/api/v1/audit?target_id=" + key.id(), admin.adminKey).json().path("data");
        assertThat(keyEvents).extracting(n -> n.path("action").asString())
                .containsExactly("key.revoked", "key.rotated", "key.created");
        assertThat(keyEvents.get(2).path("detail").path("prefix").asString()).isEqualTo(key.secret().substring(0, 14));
        JsonNode roles = http.get("/api/v1/audit?action=user.role_changed&target_id=" + sam, admin.adminKey).json().path("data");
        assertThat(roles.get(0).path("detail").path("to").asString()).isEqualTo("admin");
        JsonNode failures = http.get("/api/v1/audit?action=auth.failed&limit=100", admin.adminKey).json().path("data");
        assertThat(failures).anySatisfy(n -> {
            assertThat(n.path("client_ip").asString()).isEqualTo(probeIp);
            assertThat(n.path("detail").path("reason").asString()).isEqualTo("invalid_api_key");
        });
        assertThat(failures.toString()).doesNotContain("notarealkey");
    }
}
