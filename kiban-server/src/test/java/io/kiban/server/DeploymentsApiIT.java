package io.kiban.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.gguf.TinyLlama;
import io.kiban.server.cli.KibanCommand;
import io.kiban.store.keys.ApiKey;
import io.kiban.store.keys.ApiKeyRepository;
import io.kiban.store.keys.KeyCache;
import io.kiban.store.keys.KeySecrets;
import io.kiban.store.keys.KeySettings;
import io.kiban.store.tenancy.Role;
import io.kiban.store.tenancy.User;
import io.kiban.store.tenancy.UserRepository;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;

/**
 * {@code /api/v1/deployments} and the CLI on a real server: admins create, inspect, scale and delete deployments;
 * specs are validated with 400s that name the field; the command line's deployments are its own; deployments
 * survive a restart; {@code GET /v1/models} follows them. The API's deployments have {@code min_replicas} 0 and no
 * traffic, so only the command line's model starts a worker.
 */
class DeploymentsApiIT {
    static Path dir;
    static Path model;
    static ControlServer server;
    static String userKey;

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("deployments-api-it");
        model = dir.resolve("tiny.gguf");
        TinyLlama.write(model);
        server = ControlServer.start(dir.resolve("data"), List.of("cli=" + model + ":threads=1"),
                ControlOptions.defaults().withWarmPool(0), Duration.ofSeconds(5), null);
        userKey = userKey(server);
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    static String userKey(ControlServer s) {
        Instant now = Instant.now();
        s.bean(UserRepository.class).insert(new User("usr_plain", "plain", "plain@example.ac.jp", Role.USER, true, now, now));
        KeySecrets.NewSecret secret = new KeySecrets().generate();
        s.bean(ApiKeyRepository.class).insert(ApiKey.create("key_plain", "usr_plain", secret, KeySettings.named("t"), now));
        s.bean(KeyCache.class).load();
        return secret.secret();
    }

    static String spec(String name, String extra) {
        return "{\"name\":\"" + name + "\",\"model\":\"" + model + "\",\"min_replicas\":0,\"max_replicas\":3" + extra + "}";
    }

    @Test
    void an_admin_creates_inspects_scales_and_deletes_a_deployment_and_models_follow() throws Exception {
        var created = server.call("POST", "/api/v1/deployments", spec("story", ",\"resources\":{\"threads\":1,\"parallel\":2}"
                + ",\"autoscaling\":{\"stable_window_seconds\":20},\"hold\":{\"timeout_seconds\":30}"));
        assertThat(created.status()).as(created.body()).isEqualTo(201);
        JsonNode v = created.json();
        assertThat(v.path("origin").asString()).isEqualTo("api");
        assertThat(v.path("spec").path("runtime").asString()).isEqualTo("builtin");
        assertThat(v.path("spec").path("target_concurrency").asDouble()).isEqualTo(2.0); // the slots by default
        assertThat(v.path("spec").path("autoscaling").path("panic_window_seconds").asDouble()).isEqualTo(6.0);
        assertThat(v.path("spec").path("hold").path("timeout_seconds").asDouble()).isEqualTo(30.0);
        assertThat(v.path("status").path("desired_replicas").asInt()).isZero();
        assertThat(v.path("status").path("state").asString()).isEqualTo("scaled_to_zero");

        JsonNode models = server.call("GET", "/v1/models", null).json();
        assertThat(models.path("data").findValuesAsString("id")).contains("story", "cli");
        assertThat(server.call("GET", "/v1/models/story", null).json().path("architecture").asString()).isEqualTo("llama");
        JsonNode list = server.call("GET", "/api/v1/deployments", null).json();
        assertThat(list.path("data").findValuesAsString("name")).contains("story", "cli");

        var scaled = server.call("PATCH", "/api/v1/deployments/story", "{\"max_replicas\":5,\"hold\":{\"max_waiting\":7}}");
        assertThat(scaled.status()).as(scaled.body()).isEqualTo(200);
        assertThat(scaled.json().path("spec").path("max_replicas").asInt()).isEqualTo(5);
        assertThat(scaled.json().path("spec").path("hold").path("timeout_seconds").asDouble()).as("kept").isEqualTo(30.0);
        assertThat(scaled.json().path("spec").path("hold").path("max_waiting").asInt()).isEqualTo(7);
        assertThat(scaled.json().path("revision").asLong()).isEqualTo(2);

        var deleted = server.call("DELETE", "/api/v1/deployments/story", null);
        assertThat(deleted.status()).isEqualTo(200);
        assertThat(server.call("GET", "/api/v1/deployments/story", null).status()).isEqualTo(404);
        assertThat(server.call("GET", "/v1/models/story", null).status()).isEqualTo(404);
        assertThat(server.chat("story", 1).status()).isEqualTo(404);
    }

    @Test
    void specs_are_validated_with_400s_that_name_the_field() throws Exception {
        Path notGguf = Files.writeString(dir.resolve("notes.gguf"), "not a model");
        record Case(String body, String param, String says) {}
        List<Case> cases = List.of(
                new Case("{\"name\":\"a\",\"model\":\"" + dir.resolve("missing.gguf") + "\"}", "model", "no such model file"),
                new Case("{\"name\":\"a\",\"model\":\"" + notGguf + "\"}", "model", "not a readable GGUF"),
                new Case("{\"name\":\"a\",\"model\":\"tiny.gguf\"}", "model", "absolute path"),
                new Case(spec("a", ",\"min_replicas\":4"), "max_replicas", "max_replicas must be >= min_replicas"),
                new Case("{\"name\":\"a\",\"command\":\"llama-server -m x\"}", "command", "{port}"),
                new Case(spec("a", ",\"replicas\":2"), "replicas", "Unknown field 'replicas'"),
                new Case(spec("a", ",\"resources\":{\"gpus\":1}"), "resources.gpus", "Unknown field"),
                new Case(spec("a", ",\"resources\":{\"parallel\":0}"), "resources", "parallel must be between 1"),
                new Case(spec("a", ",\"balancing\":\"random\""), "balancing", "least-outstanding or prefix-affinity"),
                new Case(spec("a", ",\"hold\":{\"timeout_seconds\":3600}"), "hold", "hold.timeout"),
                new Case(spec("a b", ""), "name", "letters, digits"),
                new Case("{\"name\":\"a\",\"urls\":[\"http://x:1/v1\"],\"max_replicas\":3}", "min_replicas", "one replica per URL"),
                new Case("[1]", null, "JSON object"));
        for (Case c : cases) {
            var r = server.call("POST", "/api/v1/deployments", c.body());
            assertThat(r.status()).as(c.body() + " → " + r.body()).isEqualTo(400);
            JsonNode error = r.json().path("error");
            assertThat(error.path("message").asString()).as(c.body()).contains(c.says());
            if (c.param() != null) {
                assertThat(error.path("param").asString()).as(c.body()).isEqualTo(c.param());
            }
        }
        assertThat(server.call("GET", "/api/v1/deployments/a", null).status()).isEqualTo(404);
    }

    @Test
    void only_admins_manage_deployments() throws Exception {
        for (String[] call : new String[][] {{"GET", "/api/v1/deployments"}, {"POST", "/api/v1/deployments"},
                {"DELETE", "/api/v1/deployments/cli"}, {"PATCH", "/api/v1/deployments/cli"}}) {
            var r = server.call(call[0], call[1], "{}", userKey);
            assertThat(r.status()).as(call[0] + " " + call[1]).isEqualTo(403);
            assertThat(r.json().path("error").path("type").asString()).isEqualTo("permission_error");
        }
        assertThat(server.call("GET", "/api/v1/deployments", null, null).status()).isEqualTo(401);
    }

    @Test
    void names_are_unique_and_command_line_deployments_belong_to_the_command_line() throws Exception {
        assertThat(server.call("POST", "/api/v1/deployments", spec("dup", "")).status()).isEqualTo(201);
        var again = server.call("POST", "/api/v1/deployments", spec("dup", ""));
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.json().path("error").path("code").asString()).isEqualTo("deployment_exists");

        var cli = server.call("PATCH", "/api/v1/deployments/cli", "{\"max_replicas\":2}");
        assertThat(cli.status()).isEqualTo(409);
        assertThat(cli.json().path("error").path("message").asString()).contains("command line");
        assertThat(server.call("DELETE", "/api/v1/deployments/cli", null).status()).isEqualTo(409);
        assertThat(server.deployment("cli").path("origin").asString()).isEqualTo("command-line");

        var renamed = server.call("PUT", "/api/v1/deployments/dup", spec("other", ""));
        assertThat(renamed.status()).isEqualTo(400);
        assertThat(server.call("DELETE", "/api/v1/deployments/dup", null).status()).isEqualTo(200);
    }

    @Test
    void the_cli_deploys_lists_scales_and_deletes() throws Exception {
        String url = "--url=" + server.root();
        String key = "--key=" + server.adminKey;
        String out = cli("deploy", "clidep", "--model", model.toString(), "--min", "0", "--max", "3", "--threads", "1",
                "--hold-timeout", "20", url, key);
        assertThat(out).contains("clidep  (builtin, api)").contains("0 desired");
        assertThat(server.deployment("clidep").path("spec").path("hold").path("timeout_seconds").asDouble()).isEqualTo(20.0);

        assertThat(cli("deployments", "list", url, key)).contains("clidep").contains("name");
        assertThat(cli("deployments", "scale", "clidep", "--max", "2", url, key)).contains("max 2");
        assertThat(cli("deploy", "clidep", "--model", model.toString(), "--min", "0", "--max", "1", url, key))
                .as("deploy again replaces").contains("max 1");
        assertThat(cli("deployments", "get", "clidep", "--json", url, key)).contains("\"recent_decisions\"");
        assertThat(cli("deployments", "delete", "clidep", url, key)).contains("Deleted");
        assertThat(cli("deployments", "get", "clidep", url, key)).contains("Error 404");
    }

    @Test
    void api_deployments_survive_a_restart_and_command_line_ones_leave_with_their_flag() throws Exception {
        Path data = dir.resolve("restart-data");
        String adminKey;
        try (ControlServer first = ControlServer.start(data, List.of("flag=" + model + ":threads=1"),
                ControlOptions.defaults().withWarmPool(0), Duration.ofSeconds(5), null)) {
            adminKey = first.adminKey;
            assertThat(first.call("POST", "/api/v1/deployments", spec("kept", ",\"balancing\":\"prefix-affinity\"")).status())
                    .isEqualTo(201);
        }
        try (ControlServer second = ControlServer.start(data, List.of(), ControlOptions.defaults().withWarmPool(0),
                Duration.ofSeconds(5), adminKey)) {
            JsonNode kept = second.deployment("kept");
            assertThat(kept.path("spec").path("balancing").asString()).isEqualTo("prefix-affinity");
            assertThat(kept.path("spec").path("hold").path("timeout_seconds").asDouble()).isEqualTo(5.0);
            assertThat(second.call("GET", "/api/v1/deployments/flag", null).status()).isEqualTo(404);
            assertThat(second.call("GET", "/v1/models", null).json().path("data").findValuesAsString("id"))
                    .containsExactly("kept");
        }
    }

    static String cli(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (PrintStream capture = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            System.setOut(capture);
            System.setErr(capture);
            new CommandLine(new KibanCommand()).execute(args);
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }
}
