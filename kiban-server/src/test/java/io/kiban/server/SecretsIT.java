package io.kiban.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.bench.sim.Simulator;
import io.kiban.server.AdminApi.Issued;
import io.kiban.store.Database;
import io.kiban.store.keys.LastUseTracker;
import io.kiban.store.recorder.Recorder;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Reliability E1: key secrets appear in no sink. Every secret the API hands out is a canary; the test drives
 * successes and every refusal (wrong, revoked, rotated-away, expired, wrong network, malformed, in the URL), then
 * searches the server's whole console output (logs), every admin-API response and a dump of the whole database
 * for the secret part of each canary. Only the display prefix may appear.
 */
class SecretsIT {
    static final PrintStream REAL_OUT = System.out;
    static final PrintStream REAL_ERR = System.err;
    static final ByteArrayOutputStream CAPTURED = new ByteArrayOutputStream();

    static Simulator sim;
    static TestServer server;
    static JsonHttp http;
    static AdminApi admin;

    @BeforeAll
    static void start() throws Exception {
        System.setOut(new PrintStream(tee(REAL_OUT), true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(tee(REAL_ERR), true, StandardCharsets.UTF_8));
        sim = Simulator.builder().start();
        Path dir = Files.createTempDirectory("kiban-secrets-it");
        server = TestServer.start(dir.resolve("data"), List.of(), List.of("sim=" + sim.baseUrl()), 1, Duration.ofSeconds(5));
        http = new JsonHttp(server.root());
        admin = new AdminApi(http, server.adminKey);
    }

    @AfterAll
    static void stop() {
        System.setOut(REAL_OUT);
        System.setErr(REAL_ERR);
        if (server != null) {
            server.close();
        }
        if (sim != null) {
            sim.close();
        }
    }

    static OutputStream tee(PrintStream real) {
        return new OutputStream() {
            @Override
            public void write(int b) {
                real.write(b);
                synchronized (CAPTURED) {
                    CAPTURED.write(b);
                }
            }

            @Override
            public void write(byte[] b, int off, int len) {
                real.write(b, off, len);
                synchronized (CAPTURED) {
                    CAPTURED.write(b, off, len);
                }
            }
        };
    }

    @Test
    void no_secret_reaches_the_logs_the_api_or_the_database() throws Exception {
        List<String> canaries = new ArrayList<>();
        List<String> responses = new ArrayList<>();
        String user = admin.user("canary");
        Issued plain = admin.key(user, "");
        Issued rotated = admin.key(user, "");
        Issued fenced = admin.key(user, "\"allowed_cidrs\":[\"10.0.0.0/8\"]");
        Issued expiring = admin.key(user, "\"expires_at\":" + (Instant.now().getEpochSecond() + 1));
        canaries.addAll(Stream.of(plain, rotated, fenced, expiring).map(Issued::secret).toList());
        JsonHttp.Answer rotation = http.post("/api/v1/keys/" + rotated.id() + "/rotate", plain.secret(), null);
        canaries.add(rotation.json().path("secret").asString());

        responses.add(http.get("/v1/models", plain.secret()).body());
        responses.add(http.post("/v1/chat/completions", plain.secret(),
                "{\"model\":\"sim\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").body());
        responses.add(http.get("/v1/models", rotated.secret()).body()); // rotated away
        responses.add(http.get("/v1/models", fenced.secret()).body()); // wrong network
        Thread.sleep(1100);
        responses.add(http.get("/v1/models", expiring.secret()).body()); // expired
        responses.add(http.get("/v1/models?api_key=" + plain.secret(), null).body()); // in the URL
        responses.add(http.get("/api/v1/keys?key=" + plain.secret(), plain.secret()).body());
        responses.add(http.send("GET", "/v1/models", null, null).body());
        http.delete("/api/v1/keys/" + plain.id(), admin.adminKey);
        responses.add(http.get("/v1/models", plain.secret()).body()); // revoked
        responses.add(http.post("/v1/chat/completions", plain.secret() + "x", "{}").body()); // malformed

        for (String path : List.of("/api/v1/keys?user_id=" + user, "/api/v1/keys/" + plain.id(), "/api/v1/keys/" + rotated.id(),
                "/api/v1/users/" + user, "/api/v1/audit?limit=100", "/metrics")) {
            responses.add(http.get(path, admin.adminKey).body());
        }
        server.bean(LastUseTracker.class).flush();
        assertThat(server.bean(Recorder.class).awaitWritten(Duration.ofSeconds(10))).isTrue();
        String database = dump(server.bean(Database.class));
        String logs;
        synchronized (CAPTURED) {
            logs = CAPTURED.toString(StandardCharsets.UTF_8);
        }

        assertThat(database).contains(plain.json().path("prefix").asString()); // the dump did read the keys table
        assertThat(logs).contains("Kiban is running"); // the capture did see the server's console
        for (String canary : canaries) {
            String secretPart = canary.substring(14); // everything after the display prefix
            assertThat(logs).as("console output").doesNotContain(secretPart);
            assertThat(database).as("database dump").doesNotContain(secretPart);
            for (String r : responses) {
                assertThat(r).as("a later API response").doesNotContain(secretPart);
            }
        }
    }

    /** Every row of every table, as H2's SCRIPT writes it. */
    static String dump(Database db) {
        return db.withConnection(c -> {
            var sb = new StringBuilder();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SCRIPT")) {
                while (rs.next()) {
                    sb.append(rs.getString(1)).append('\n');
                }
            }
            return sb.toString();
        });
    }
}
