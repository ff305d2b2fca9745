package io.kiban.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.bench.sim.Simulator;
import io.kiban.server.AdminApi.Issued;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Two Kiban servers on one real PostgreSQL (embedded binaries, no Docker), as a university would run them behind a
 * load balancer: a key made on one works on the other, and a revocation, rotation or deactivation on one is refused
 * on the other within 2 s (the bound). Each change is measured from the moment the changing server answered
 * to the first refusal by the other server, polling every 10 ms; the numbers are printed.
 */
class SharedDatabaseIT {
    static final Duration BOUND = Duration.ofSeconds(2);
    static final int ROUNDS = 8;

    static EmbeddedPostgres postgres;
    static Simulator sim;
    static TestServer a;
    static TestServer b;
    static JsonHttp httpA;
    static JsonHttp httpB;
    static AdminApi admin;

    @BeforeAll
    static void start() throws Exception {
        postgres = EmbeddedPostgres.builder().setServerConfig("fsync", "off").setServerConfig("max_connections", "100").start();
        try (Connection c = DriverManager.getConnection(postgres.getJdbcUrl("postgres", "postgres"));
                Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE kiban");
        }
        String url = postgres.getJdbcUrl("postgres", "kiban");
        sim = Simulator.builder().start();
        Path dir = Files.createTempDirectory("kiban-shared-db-it");
        List<String> externals = List.of("sim=" + sim.baseUrl());
        a = TestServer.start(dir.resolve("a"), List.of(), externals, 1, Duration.ofSeconds(5), url);
        b = TestServer.start(dir.resolve("b"), List.of(), externals, 1, Duration.ofSeconds(5), url);
        assertThat(b.adminKey).as("the second server finds the administrator the first one made").isNull();
        httpA = new JsonHttp(a.root());
        httpB = new JsonHttp(b.root());
        admin = new AdminApi(httpA, a.adminKey);
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable c : new AutoCloseable[] {b, a, sim, postgres}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    void a_key_made_on_one_server_works_on_the_other_and_its_revocation_is_refused_there_within_2_s() throws Exception {
        String user = admin.user("roaming");
        List<Long> created = new ArrayList<>();
        List<Long> revoked = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            long t0 = System.nanoTime();
            Issued key = admin.key(user, "");
            created.add(millisUntil(t0, () -> httpB.get("/v1/models", key.secret()).status() == 200));
            if (round == 0) {
                assertThat(b.client(key.secret()).chat().completions().create(
                        com.openai.models.chat.completions.ChatCompletionCreateParams.builder().model("sim")
                                .addUserMessage("hi").maxCompletionTokens(4L).build()).choices()).isNotEmpty();
            }
            // A random pause, so revocations land at every phase of the other server's 1 s poll.
            Thread.sleep(java.util.concurrent.ThreadLocalRandom.current().nextInt(1000));
            JsonHttp.Answer r = httpA.delete("/api/v1/keys/" + key.id(), a.adminKey);
            long t1 = System.nanoTime();
            assertThat(r.status()).isEqualTo(200);
            assertThat(httpA.get("/v1/models", key.secret()).status()).as("refused at once where it was revoked")
                    .isEqualTo(401);
            revoked.add(millisUntil(t1, () -> httpB.get("/v1/models", key.secret()).status() == 401));
        }
        report("key created on A, accepted by B", created);
        report("key revoked on A, refused by B", revoked);
        assertThat(Collections.max(revoked)).isLessThanOrEqualTo(BOUND.toMillis());
    }

    @Test
    void a_rotation_and_a_deactivation_on_one_server_are_refused_on_the_other_within_2_s() throws Exception {
        String user = admin.user("rotating");
        Issued key = admin.key(user, "");
        millisUntil(System.nanoTime(), () -> httpB.get("/v1/models", key.secret()).status() == 200);
        JsonHttp.Answer rotated = httpA.post("/api/v1/keys/" + key.id() + "/rotate", a.adminKey, null);
        long t0 = System.nanoTime();
        String fresh = rotated.json().path("secret").asString();
        long oldRefused = millisUntil(t0, () -> httpB.get("/v1/models", key.secret()).status() == 401);
        long newAccepted = millisUntil(t0, () -> httpB.get("/v1/models", fresh).status() == 200);

        httpA.patch("/api/v1/users/" + user, a.adminKey, "{\"active\":false}");
        long t1 = System.nanoTime();
        long deactivated = millisUntil(t1, () -> httpB.get("/v1/models", fresh).status() == 401);
        report("rotated on A: old secret refused by B", List.of(oldRefused));
        report("rotated on A: new secret accepted by B", List.of(newAccepted));
        report("user deactivated on A: key refused by B", List.of(deactivated));
        assertThat(List.of(oldRefused, deactivated)).allSatisfy(ms -> assertThat(ms).isLessThanOrEqualTo(BOUND.toMillis()));
    }

    /** Polls every 10 ms for up to 10 s; returns the milliseconds from {@code startNanos} until the condition held. */
    static long millisUntil(long startNanos, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = startNanos + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return (System.nanoTime() - startNanos) / 1_000_000;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("condition not reached within 10 s");
    }

    static void report(String what, List<Long> millis) {
        System.out.println("[shared-db] " + what + ": " + millis + " ms (max " + Collections.max(millis) + " ms)");
    }
}
