package io.kiban.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.bench.sim.Simulator;
import io.kiban.store.history.HistoryFilter;
import io.kiban.store.history.HistoryRepository;
import io.kiban.store.history.SortOrder;
import io.kiban.store.recorder.Recorder;
import io.kiban.store.recorder.RecorderStats;
import io.kiban.store.tenancy.Role;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server on a real PostgreSQL that becomes unreachable for 30 s under load: requests keep being served (keys
 * from the in-memory cache, history and usage into the Recorder's disk spool), and after recovery every acknowledged
 * request is in the database exactly once, with its usage.
 */
class PostgresOutageIT {
    static EmbeddedPostgres postgres;
    static Simulator sim;

    @BeforeAll
    static void start() throws Exception {
        postgres = EmbeddedPostgres.builder().setServerConfig("max_connections", "100").start();
        execute("CREATE DATABASE kiban");
        sim = Simulator.builder().itl(Duration.ofMillis(2)).start();
    }

    @AfterAll
    static void stop() throws Exception {
        if (sim != null) {
            sim.close();
        }
        if (postgres != null) {
            postgres.close();
        }
    }

    static void execute(String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(postgres.getJdbcUrl("postgres", "postgres"));
                Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** Refuses new connections and ends the open ones: the database is down for the server. */
    static void outage(boolean down) throws Exception {
        execute("ALTER DATABASE kiban ALLOW_CONNECTIONS " + !down);
        if (down) {
            execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'kiban'");
        }
    }

    @Test
    void history_written_during_a_30_second_database_outage_appears_once_after_recovery() throws Exception {
        Path dir = Files.createTempDirectory("kiban-pg-outage");
        ServerOptions o = new ServerOptions("127.0.0.1", 0, dir, List.of(), dir.resolve("models"),
                List.of(ServerOptions.ExternalArg.parse("sim=" + sim.baseUrl())), postgres.getJdbcUrl("postgres", "kiban"),
                "keys", true, 1 << 20, Duration.ofSeconds(5));
        try (TestServer server = TestServer.start(o)) {
            Tenants tenants = new Tenants(server);
            String user = tenants.user("outage", Role.USER);
            var load = new LoadClient(server.port, tenants.key(user).secret(), "sim");
            var running = new AtomicBoolean(true);
            var counter = new AtomicInteger();
            var failedDuringOutage = new AtomicLong();
            var servedDuringOutage = new AtomicLong();
            var down = new AtomicBoolean();
            Recorder recorder = server.bean(Recorder.class);
            long drainMillis;
            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> clients = new ArrayList<>();
                for (int c = 0; c < 4; c++) {
                    clients.add(pool.submit(() -> {
                        while (running.get()) {
                            boolean ok = load.send(counter.incrementAndGet());
                            if (down.get()) {
                                (ok ? servedDuringOutage : failedDuringOutage).incrementAndGet();
                            }
                            try {
                                Thread.sleep(20); // about 150 requests/s with 4 clients
                            } catch (InterruptedException e) {
                                return;
                            }
                        }
                    }));
                }
                Thread.sleep(3_000);
                outage(true);
                down.set(true);
                Thread.sleep(30_000);
                RecorderStats during = recorder.stats();
                down.set(false);
                outage(false);
                long recoveredAt = System.nanoTime();
                while (recorder.stats().spoolPendingEntries() > 0
                        && System.nanoTime() - recoveredAt < Duration.ofSeconds(60).toNanos()) {
                    Thread.sleep(20);
                }
                drainMillis = (System.nanoTime() - recoveredAt) / 1_000_000;
                Thread.sleep(2_000);
                running.set(false);
                for (Future<?> f : clients) {
                    f.get();
                }
                assertThat(during.databaseAvailable()).isFalse();
                assertThat(during.spoolPendingEntries()).isPositive();
                System.out.printf("durability: PostgreSQL unreachable for 30 s: %d requests served during the "
                        + "outage (%d failed), %d entries in the spool at its end%n", servedDuringOutage.get(),
                        failedDuringOutage.get(), during.spoolPendingEntries());
            }
            assertThat(failedDuringOutage.get()).isZero();
            assertThat(servedDuringOutage.get()).isGreaterThan(100);
            assertThat(load.failed.get()).isZero();
            long rows = HistoryDurabilityIT.assertComplete(server, user, load);
            assertThat(rows).isEqualTo(load.acknowledged.size());
            System.out.printf("durability: after recovery all %d acknowledged requests are in PostgreSQL once; "
                    + "the spool (%d entries spooled in all) was empty %d ms after the database came back, with the "
                    + "load still running%n", rows, recorder.stats().spooled(), drainMillis);
            assertThat(recorder.stats().spoolPendingEntries()).isZero();
            List<String> ids = new ArrayList<>();
            new HistoryRepository(server.bean(io.kiban.store.Database.class)).export(user, HistoryFilter.ALL,
                    SortOrder.ASC, r -> ids.add(r.id()));
            assertThat(ids).hasSize((int) rows);
        }
    }
}
