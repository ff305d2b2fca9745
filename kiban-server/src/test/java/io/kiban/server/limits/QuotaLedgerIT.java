package io.kiban.server.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.gateway.spi.LimitExceeded;
import io.kiban.gateway.spi.Limiter;
import io.kiban.gateway.spi.Principal;
import io.kiban.store.Database;
import io.kiban.store.DatabaseConfig;
import io.kiban.store.quota.Quota;
import io.kiban.store.quota.QuotaPeriod;
import io.kiban.store.quota.QuotaRepository;
import io.kiban.store.quota.QuotaSubject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The request side of token quotas against a real database (H2 file): three limiters stand for three servers
 * sharing it, with concurrent requests on each; what they let through must stay within the limit plus one request.
 */
class QuotaLedgerIT {
    Database db;
    QuotaRepository repo;
    final List<GatewayLimiter> servers = new ArrayList<>();

    @BeforeEach
    void open() throws Exception {
        Path dir = Files.createTempDirectory("kiban-quota-it");
        db = Database.open(DatabaseConfig.of(Database.h2File(dir)));
        repo = new QuotaRepository(db);
    }

    @AfterEach
    void close() {
        servers.forEach(GatewayLimiter::close);
        db.close();
    }

    GatewayLimiter server() {
        var l = new GatewayLimiter(repo, Clock.systemUTC(), ZoneOffset.UTC, model -> 0).start();
        servers.add(l);
        return l;
    }

    static Principal user(String id, String project) {
        return new Principal(id, "key_" + id, project, false, Set.of(), false);
    }

    @Test
    void three_servers_with_concurrent_requests_spend_at_most_the_limit_plus_one_request() throws Exception {
        long limit = 20_000;
        repo.put(new Quota(QuotaSubject.user("u1"), QuotaPeriod.DAY, limit, Instant.now()));
        List<GatewayLimiter> three = List.of(server(), server(), server());
        var spent = new AtomicLong();
        var refused = new AtomicLong();
        var demand = new Limiter.Demand("m", "chat", 400, 200, 1);
        long maxEstimate = three.getFirst().estimate(demand);
        assertThat(maxEstimate).isEqualTo(300); // 400 bytes / 4 + max_tokens 200
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> all = new ArrayList<>();
            for (GatewayLimiter server : three) {
                for (int t = 0; t < 8; t++) {
                    all.add(pool.submit(() -> {
                        for (int i = 0; i < 40; i++) {
                            try {
                                Limiter.Reservation r = server.reserve(user("u1", null), demand);
                                long actual = ThreadLocalRandom.current().nextLong(50, 301); // never above the estimate
                                spent.addAndGet(actual);
                                server.settle(r, actual);
                            } catch (LimitExceeded e) {
                                assertThat(e.error().code()).isEqualTo("quota_exceeded_user_day");
                                refused.incrementAndGet();
                            }
                        }
                    }));
                }
            }
            for (Future<?> f : all) {
                f.get();
            }
        }
        assertThat(refused.get()).isPositive();
        assertThat(spent.get()).isGreaterThan(limit - 3 * 1_000 - maxEstimate) // at most a chunk per server unused
                .isLessThanOrEqualTo(limit + maxEstimate);
    }

    @Test
    void a_project_quota_refusal_gives_back_what_the_user_quota_reserved() throws Exception {
        repo.put(new Quota(QuotaSubject.user("u2"), QuotaPeriod.MONTH, 10_000, Instant.now()));
        repo.put(new Quota(QuotaSubject.project("p"), QuotaPeriod.DAY, 100, Instant.now()));
        GatewayLimiter server = server();
        var big = new Limiter.Demand("m", "chat", 40, 190, 1); // 10 + 190 = 200 > project's 100
        var first = server.reserve(user("u2", "p"), big); // the project's last grant: admitted once (overshoot)
        server.settle(first, 150);
        try {
            server.reserve(user("u2", "p"), big);
            throw new AssertionError("expected a refusal");
        } catch (LimitExceeded e) {
            assertThat(e.error().code()).isEqualTo("quota_exceeded_project_day");
            assertThat(e.headers()).containsSubsequence("x-ratelimit-limit-tokens", "100");
            assertThat(e.error().message()).contains("resets at");
        }
        // The user's month quota was not charged for the refused request: 150 spent, the rest still reservable.
        var rest = new Limiter.Demand("m", "chat", 0, 9_850, 1);
        assertThat(server.reserve(user("u2", null), rest)).isNotNull();
    }

    @Test
    void while_the_database_is_down_only_held_allowances_are_spent_then_requests_fail_fast_with_503() throws Exception {
        repo.put(new Quota(QuotaSubject.user("u3"), QuotaPeriod.DAY, 1_000_000, Instant.now()));
        GatewayLimiter server = server();
        var d = new Limiter.Demand("m", "chat", 0, 1_000, 1);
        server.settle(server.reserve(user("u3", null), d), 1_000); // holds a chunk of 50,000
        db.close(); // the database is gone for good in this test
        int admitted = 0;
        while (true) {
            try {
                server.settle(server.reserve(user("u3", null), d), 1_000);
                admitted++;
            } catch (LimitExceeded e) {
                assertThat(e.error().code()).isEqualTo("quota_unavailable");
                break;
            }
        }
        assertThat(admitted).isBetween(40, 51); // what the held allowance covered
        long t = System.nanoTime();
        for (int i = 0; i < 100; i++) {
            try {
                server.reserve(user("u3", null), d);
            } catch (LimitExceeded e) {
                assertThat(e.error().code()).isEqualTo("quota_unavailable");
            }
        }
        assertThat((System.nanoTime() - t) / 1_000_000).as("refusals during the outage are immediate").isLessThan(1_000);
    }
}
