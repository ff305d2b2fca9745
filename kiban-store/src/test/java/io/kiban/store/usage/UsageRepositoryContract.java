package io.kiban.store.usage;

import static io.kiban.store.testing.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.store.testing.TestDatabase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The contract of {@link UsageRepository}, run on H2 and on PostgreSQL. */
public abstract class UsageRepositoryContract {
    private static final Instant DAY1 = Instant.parse("2026-11-01T00:00:00Z");
    private static final Instant DAY2 = DAY1.plus(Duration.ofDays(1));
    private static final Instant DAY3 = DAY2.plus(Duration.ofDays(1));

    private TestDatabase testDb;
    private UsageRepository usage;

    protected abstract TestDatabase newDatabase();

    @BeforeEach
    void open() {
        testDb = newDatabase();
        usage = new UsageRepository(testDb.database());
    }

    @AfterEach
    void close() {
        testDb.close();
    }

    private static UsageIncrement inc(Instant at, String user, String key, String project, String model,
            long errors, long prompt, long completion) {
        return new UsageIncrement(at, user, key, project, model, 1, errors, prompt, completion);
    }

    private void seed() {
        usage.add(List.of(
                inc(DAY1.plusSeconds(60), "alice", "k1", "p1", "m-a", 0, 10, 20),
                inc(DAY1.plusSeconds(120), "alice", "k1", "p1", "m-a", 1, 5, 0),
                inc(DAY1.plus(Duration.ofHours(5)), "alice", "k2", null, "m-b", 0, 7, 3),
                inc(DAY2.plusSeconds(1), "alice", "k1", "p1", "m-a", 0, 100, 200),
                inc(DAY2.plusSeconds(2), "bob", "k3", "p1", "m-a", 0, 1000, 2000),
                inc(DAY2.plusSeconds(3), "bob", null, null, "m-a", 0, 1, 1)));
    }

    @Test
    void totals_per_day_for_one_user() {
        seed();

        List<UsageRow> rows = usage.query(UsageScope.user("alice"), UsageQuery.daily(DAY1, DAY3));

        assertThat(rows).containsExactly(
                new UsageRow(DAY1, null, null, null, null, 3, 1, 22, 23),
                new UsageRow(DAY2, null, null, null, null, 1, 0, 100, 200));
    }

    @Test
    void groups_by_key_project_and_model_per_hour_with_absent_keys_and_projects_as_null() {
        seed();

        List<UsageRow> rows = usage.query(UsageScope.user("alice"), UsageQuery.hourly(DAY1, DAY2,
                UsageDimension.KEY, UsageDimension.PROJECT, UsageDimension.MODEL));

        assertThat(rows).containsExactly(
                new UsageRow(DAY1, null, "k1", "p1", "m-a", 2, 1, 15, 20),
                new UsageRow(DAY1.plus(Duration.ofHours(5)), null, "k2", null, "m-b", 1, 0, 7, 3));
    }

    @Test
    void scopes_isolate_users_and_projects_and_the_admin_scope_sees_everyone() {
        seed();
        var byUser = UsageQuery.daily(DAY2, DAY3, UsageDimension.USER);

        assertThat(usage.query(UsageScope.user("bob"), byUser)).extracting(UsageRow::userId).containsOnly("bob");
        assertThat(usage.query(UsageScope.user("carol"), byUser)).isEmpty();
        assertThat(usage.query(UsageScope.project("p1"), byUser)).containsExactly(
                new UsageRow(DAY2, "alice", null, null, null, 1, 0, 100, 200),
                new UsageRow(DAY2, "bob", null, null, null, 1, 0, 1000, 2000));
        assertThat(usage.query(UsageScope.all(), byUser)).containsExactly(
                new UsageRow(DAY2, "alice", null, null, null, 1, 0, 100, 200),
                new UsageRow(DAY2, "bob", null, null, null, 2, 0, 1001, 2001));
    }

    @Test
    void filters_by_model_and_key() {
        seed();

        assertThat(usage.query(UsageScope.all(), UsageQuery.daily(DAY1, DAY3).withModel("m-b")))
                .containsExactly(new UsageRow(DAY1, null, null, null, null, 1, 0, 7, 3));
        assertThat(usage.query(UsageScope.all(), UsageQuery.daily(DAY1, DAY3).withKeyId("k3")))
                .containsExactly(new UsageRow(DAY2, null, null, null, null, 1, 0, 1000, 2000));
    }

    @Test
    void total_tokens_of_a_period_for_quota_checks() {
        seed();

        assertThat(usage.totalTokens(UsageScope.user("alice"), DAY1, DAY2)).isEqualTo(45);
        assertThat(usage.totalTokens(UsageScope.user("alice"), DAY1, DAY3)).isEqualTo(345);
        assertThat(usage.totalTokens(UsageScope.project("p1"), DAY2, DAY3)).isEqualTo(3300);
        assertThat(usage.totalTokens(UsageScope.user("nobody"), DAY1, DAY3)).isZero();
    }

    @Test
    void increments_from_two_servers_to_the_same_rows_all_count() throws Exception {
        var other = new UsageRepository(testDb.openAnother());
        int rounds = 50;
        var futures = new ArrayList<CompletableFuture<Void>>();
        for (UsageRepository repo : List.of(usage, other)) {
            futures.add(CompletableFuture.runAsync(() -> {
                for (int i = 0; i < rounds; i++) {
                    // both servers hit the same two rows, listed in opposite orders
                    repo.add(List.of(inc(T0, "alice", "k1", null, "m-a", 0, 1, 2),
                            inc(T0, "alice", "k2", null, "m-a", 0, 1, 2)).reversed());
                }
            }));
        }
        for (CompletableFuture<Void> f : futures) {
            f.get();
        }

        assertThat(usage.query(UsageScope.all(), UsageQuery.daily(DAY1, DAY3, UsageDimension.KEY)))
                .containsExactly(
                        new UsageRow(DAY1, null, "k1", null, null, 2 * rounds, 0, 2 * rounds, 4 * rounds),
                        new UsageRow(DAY1, null, "k2", null, null, 2 * rounds, 0, 2 * rounds, 4 * rounds));
    }
}
