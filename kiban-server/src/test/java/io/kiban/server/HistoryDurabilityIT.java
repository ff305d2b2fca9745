package io.kiban.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.bench.sim.Simulator;
import io.kiban.store.Database;
import io.kiban.store.history.HistoryFilter;
import io.kiban.store.history.HistoryRepository;
import io.kiban.store.history.SortOrder;
import io.kiban.store.recorder.Recorder;
import io.kiban.store.tenancy.Role;
import io.kiban.store.usage.UsageQuery;
import io.kiban.store.usage.UsageRepository;
import io.kiban.store.usage.UsageRow;
import io.kiban.store.usage.UsageScope;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * History and usage are complete (every acknowledged request exactly once, usage equal to what the clients were
 * told) after 1,000 concurrent requests, across a graceful restart under load, and usage is still counted with
 * {@code --history off}. H2 file database; a simulator upstream with exact usage.
 */
class HistoryDurabilityIT {
    static Simulator sim;

    @BeforeAll
    static void start() {
        sim = Simulator.builder().itl(Duration.ofMillis(2)).start();
    }

    @AfterAll
    static void stop() {
        sim.close();
    }

    static ServerOptions options(Path dir, boolean history) {
        return new ServerOptions("127.0.0.1", 0, dir, List.of(), dir.resolve("models"),
                List.of(ServerOptions.ExternalArg.parse("sim=" + sim.baseUrl())), null, "keys", history, 1 << 20,
                Duration.ofSeconds(5));
    }

    /** Checks that the store holds exactly the acknowledged requests and their usage; returns the row count. */
    static long assertComplete(TestServer server, String userId, LoadClient load) throws InterruptedException {
        Recorded.settle(server);
        Database db = server.bean(Database.class);
        List<String> ids = new ArrayList<>();
        new HistoryRepository(db).export(userId, HistoryFilter.ALL, SortOrder.ASC, r -> ids.add(r.id()));
        Set<String> acknowledged = new HashSet<>();
        load.acknowledged.forEach(a -> acknowledged.add(a.id()));
        assertThat(new HashSet<>(ids)).as("every acknowledged request has its history row")
                .containsAll(acknowledged);
        assertThat(ids).doesNotHaveDuplicates();
        List<UsageRow> usage = new UsageRepository(db).query(UsageScope.user(userId),
                UsageQuery.daily(Instant.now().minus(Duration.ofDays(2)), Instant.now().plus(Duration.ofDays(1))));
        long requests = usage.stream().mapToLong(UsageRow::requests).sum();
        assertThat(requests).as("one usage count per history row, none twice").isEqualTo(ids.size());
        if (ids.size() == acknowledged.size()) {
            assertThat(usage.stream().mapToLong(UsageRow::promptTokens).sum()).isEqualTo(load.promptTokens());
            assertThat(usage.stream().mapToLong(UsageRow::completionTokens).sum()).isEqualTo(load.completionTokens());
        }
        return ids.size();
    }

    @Test
    void history_and_usage_are_complete_after_1000_concurrent_requests() throws Exception {
        try (TestServer server = TestServer.start(options(Files.createTempDirectory("kiban-durable-1000"), true))) {
            Tenants tenants = new Tenants(server);
            String user = tenants.user("load", Role.USER);
            var load = new LoadClient(server.port, tenants.key(user).secret(), "sim");
            long start = System.nanoTime();
            try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<Boolean>> all = new ArrayList<>();
                for (int i = 0; i < 1000; i++) {
                    int n = i;
                    all.add(pool.submit(() -> load.send(n)));
                }
                for (Future<Boolean> f : all) {
                    f.get();
                }
            }
            long served = System.nanoTime();
            assertThat(load.failed.get()).isZero();
            assertThat(load.acknowledged).hasSize(1000);
            assertThat(assertComplete(server, user, load)).isEqualTo(1000);
            System.out.printf("durability: 1,000 concurrent requests (500 streamed) served in %d ms, all 1,000 "
                    + "history rows and usage written %d ms after the last answer%n", (served - start) / 1_000_000,
                    (System.nanoTime() - served) / 1_000_000);
        }
    }

    @Test
    void requests_acknowledged_up_to_a_graceful_restart_are_all_there_after_it() throws Exception {
        Path dir = Files.createTempDirectory("kiban-durable-restart");
        TestServer first = TestServer.start(options(dir, true));
        Tenants tenants = new Tenants(first);
        String user = tenants.user("restart", Role.USER);
        String key = tenants.key(user).secret();
        var load = new LoadClient(first.port, key, "sim");
        var running = new AtomicBoolean(true);
        var counter = new AtomicInteger();
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> clients = new ArrayList<>();
            for (int c = 0; c < 16; c++) {
                clients.add(pool.submit(() -> {
                    while (running.get()) {
                        load.send(counter.incrementAndGet());
                    }
                }));
            }
            Thread.sleep(2000);
            long before = load.acknowledged.size();
            first.close(); // graceful: in-flight requests finish, the Recorder writes or spools what it holds
            running.set(false);
            for (Future<?> f : clients) {
                f.get();
            }
            assertThat(before).isPositive();
        }
        int acknowledged = load.acknowledged.size();
        try (TestServer second = TestServer.start(options(dir, true))) {
            long rows = assertComplete(second, user, load);
            assertThat(rows).isGreaterThanOrEqualTo(acknowledged);
            System.out.printf("durability: graceful restart under load (16 clients): %d requests acknowledged "
                    + "before and during the shutdown, %d history rows after the restart (%d unacknowledged ones "
                    + "that finished during shutdown)%n", acknowledged, rows, rows - acknowledged);
            // and the key still works after the restart
            load.port(second.port);
            assertThat(load.send(0)).isTrue();
        }
    }

    @Test
    void with_history_off_usage_is_counted_and_no_history_is_kept() throws Exception {
        try (TestServer server = TestServer.start(options(Files.createTempDirectory("kiban-history-off"), false))) {
            Tenants tenants = new Tenants(server);
            String user = tenants.user("nohistory", Role.USER);
            String key = tenants.key(user).secret();
            var load = new LoadClient(server.port, key, "sim");
            for (int i = 0; i < 10; i++) {
                assertThat(load.send(i)).isTrue();
            }
            Recorded.settle(server);
            Http http = new Http(server.port);
            assertThat(http.getJson("/api/v1/history", key).path("data")).isEmpty();
            var total = http.getJson("/api/v1/usage", key).path("total");
            assertThat(total.path("requests").asLong()).isEqualTo(10);
            assertThat(total.path("input_tokens").asLong()).isEqualTo(load.promptTokens());
            assertThat(total.path("output_tokens").asLong()).isEqualTo(load.completionTokens());
        }
    }
}
