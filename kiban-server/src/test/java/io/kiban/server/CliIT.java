package io.kiban.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.errors.UnauthorizedException;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.kiban.api.Json;
import io.kiban.bench.sim.Simulator;
import io.kiban.server.cli.KibanCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;

/**
 * The README's administration walk-through with the real CLI (picocli, in process) against a running server: an
 * administrator creates a user and a key for them, the user chats with it, and after revocation the key fails.
 */
class CliIT {
    static final Pattern SECRET = Pattern.compile("sk-kiban-[0-9A-Za-z]{38}");

    static Simulator sim;
    static TestServer server;

    /** What one CLI invocation printed, and its exit code. */
    record Run(int code, String out, String err) {
        JsonNode json() {
            return Json.MAPPER.readTree(out);
        }

        String secret() {
            Matcher m = SECRET.matcher(out);
            assertThat(m.find()).as(out).isTrue();
            return m.group();
        }
    }

    @BeforeAll
    static void start() throws Exception {
        sim = Simulator.builder().start();
        Path dir = Files.createTempDirectory("kiban-cli-it");
        server = TestServer.start(dir.resolve("data"), List.of(), List.of("sim=" + sim.baseUrl()), 1, Duration.ofSeconds(5));
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

    static Run kiban(String key, String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--url", server.root(), "--key", key));
        var out = new StringWriter();
        var err = new StringWriter();
        CommandLine cl = new CommandLine(new KibanCommand()).setCaseInsensitiveEnumValuesAllowed(true);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute(all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    static String chat(String key) {
        return server.client(key).chat().completions().create(ChatCompletionCreateParams.builder().model("sim")
                .addUserMessage("hello").maxCompletionTokens(4L).build()).choices().getFirst().message().content().orElse("");
    }

    @Test
    void an_administrator_creates_a_user_and_a_key_the_user_chats_and_after_revocation_the_key_fails() {
        String admin = server.adminKey;
        Run user = kiban(admin, "users", "create", "--name", "Aiko Tanaka", "--email", "aiko@cli.example.ac.jp");
        assertThat(user.code()).as(user.err()).isZero();
        assertThat(user.out()).contains("aiko@cli.example.ac.jp").contains("user");

        Run key = kiban(admin, "keys", "create", "--user", "aiko@cli.example.ac.jp", "--name", "laptop", "--expires-in", "30d");
        assertThat(key.code()).as(key.err()).isZero();
        assertThat(key.out()).contains("shown only this once");
        String secret = key.secret();
        assertThat(chat(secret)).isNotBlank();

        Run listed = kiban(secret, "keys", "list");
        assertThat(listed.out()).contains("laptop").contains("active").doesNotContain(secret.substring(14));
        String keyId = listed.out().lines().skip(1).findFirst().orElseThrow().split("\\s+")[0];
        Run revoked = kiban(admin, "keys", "revoke", keyId);
        assertThat(revoked.code()).as(revoked.err()).isZero();
        assertThat(revoked.out()).contains("Revoked key " + keyId);
        assertThatThrownBy(() -> chat(secret)).isInstanceOf(UnauthorizedException.class);
    }

    @Test
    void json_output_rotation_and_user_changes_work_and_errors_exit_non_zero_with_the_servers_message() {
        String admin = server.adminKey;
        Run user = kiban(admin, "users", "create", "--name", "Ben", "--email", "ben@cli.example.ac.jp", "--json");
        String id = user.json().path("id").asString();
        Run key = kiban(admin, "keys", "create", "--user", id, "--name", "scoped", "--model", "sim", "--cidr", "127.0.0.0/8",
                "--rpm", "60", "--json");
        assertThat(key.json().path("allowed_models").get(0).asString()).isEqualTo("sim");
        assertThat(key.json().path("allowed_cidrs").get(0).asString()).isEqualTo("127.0.0.0/8");
        String secret = key.json().path("secret").asString();

        Run rotated = kiban(secret, "keys", "rotate", key.json().path("id").asString());
        assertThat(rotated.code()).as(rotated.err()).isZero();
        String fresh = rotated.secret();
        assertThat(fresh).isNotEqualTo(secret);
        assertThat(chat(fresh)).isNotBlank();
        assertThat(kiban(fresh, "keys", "get", key.json().path("id").asString()).out()).contains("rpm_limit").contains("60");

        Run me = kiban(fresh, "users", "update", "me", "--name", "Ben B.");
        assertThat(me.code()).as(me.err()).isZero();
        assertThat(me.out()).contains("Ben B.");

        Run denied = kiban(fresh, "users", "list");
        assertThat(denied.code()).isEqualTo(4);
        assertThat(denied.err()).contains("403").contains("Only administrators");

        Run off = kiban(admin, "users", "deactivate", "ben@cli.example.ac.jp");
        assertThat(off.code()).as(off.err()).isZero();
        assertThat(off.out()).contains("false");
        assertThat(kiban(fresh, "keys", "list").code()).isEqualTo(4); // 401: the key stopped with its owner

        assertThat(kiban(admin, "audit", "--target", key.json().path("id").asString()).out())
                .contains("key.created").contains("key.rotated");
    }

    @Test
    void projects_and_members_are_managed_from_the_cli() {
        String admin = server.adminKey;
        String carla = kiban(admin, "users", "create", "--name", "Carla", "--email", "carla@cli.example.ac.jp", "--json")
                .json().path("id").asString();
        Run project = kiban(admin, "projects", "create", "vision-lab", "--description", "Computer vision", "--json");
        String projectId = project.json().path("id").asString();
        Run added = kiban(admin, "projects", "add-member", projectId, "carla@cli.example.ac.jp", "--role", "manager");
        assertThat(added.code()).as(added.err()).isZero();
        Run members = kiban(admin, "projects", "members", projectId);
        assertThat(members.out()).contains(carla).contains("manager");
        String carlasKey = kiban(admin, "keys", "create", "--user", carla, "--name", "lab", "--project", projectId, "--json")
                .json().path("secret").asString();
        assertThat(kiban(carlasKey, "projects", "list").out()).contains("vision-lab");
    }

    @Test
    void an_unreachable_server_or_a_missing_key_is_explained() {
        var out = new StringWriter();
        var err = new StringWriter();
        CommandLine cl = new CommandLine(new KibanCommand());
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute("keys", "list", "--url", "http://127.0.0.1:1", "--key", "sk-kiban-x");
        assertThat(code).isEqualTo(3);
        assertThat(err.toString()).contains("Cannot reach the Kiban server");
    }
}
