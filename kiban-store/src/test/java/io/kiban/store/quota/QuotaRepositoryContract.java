package io.kiban.store.quota;

import static io.kiban.store.testing.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.store.testing.TestDatabase;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The contract of {@link QuotaRepository}, run on H2 and on PostgreSQL. */
public abstract class QuotaRepositoryContract {
    private static final QuotaSubject ALICE = QuotaSubject.user("alice");
    private static final Instant DAY = QuotaPeriod.DAY.start(T0, ZoneId.of("Asia/Tokyo"));

    private TestDatabase testDb;
    private QuotaRepository quotas;

    protected abstract TestDatabase newDatabase();

    @BeforeEach
    void open() {
        testDb = newDatabase();
        quotas = new QuotaRepository(testDb.database());
    }

    @AfterEach
    void close() {
        testDb.close();
    }

    @Test
    void puts_replaces_lists_and_removes_quotas() {
        var daily = new Quota(ALICE, QuotaPeriod.DAY, 100_000, T0);
        var monthly = new Quota(ALICE, QuotaPeriod.MONTH, 2_000_000, T0);
        var lab = new Quota(QuotaSubject.project("p_lab"), QuotaPeriod.MONTH, 50_000_000, T0);
        quotas.put(daily);
        quotas.put(monthly);
        quotas.put(lab);
        var raised = new Quota(ALICE, QuotaPeriod.DAY, 150_000, T0.plusSeconds(60));
        quotas.put(raised);

        assertThat(quotas.find(ALICE, QuotaPeriod.DAY)).contains(raised);
        assertThat(quotas.forSubject(ALICE)).containsExactly(raised, monthly);
        assertThat(quotas.all()).containsExactly(lab, raised, monthly);
        assertThat(quotas.remove(ALICE, QuotaPeriod.MONTH)).isTrue();
        assertThat(quotas.remove(ALICE, QuotaPeriod.MONTH)).isFalse();
        assertThat(quotas.forSubject(ALICE)).containsExactly(raised);
    }

    @Test
    void grants_what_is_wanted_while_the_budget_lasts() {
        assertThat(quotas.grant(ALICE, QuotaPeriod.DAY, DAY, 1000, 100, 400)).isEqualTo(new Grant(400, false));
        assertThat(quotas.grant(ALICE, QuotaPeriod.DAY, DAY, 1000, 100, 400)).isEqualTo(new Grant(400, false));
        assertThat(quotas.grant(ALICE, QuotaPeriod.DAY, DAY, 1000, 100, 400)).isEqualTo(new Grant(200, false));
        assertThat(quotas.granted(ALICE, QuotaPeriod.DAY, DAY)).isEqualTo(1000);
        assertThat(quotas.grant(ALICE, QuotaPeriod.DAY, DAY, 1000, 1, 400)).isEqualTo(Grant.NONE);
    }

    @Test
    void the_remainder_goes_once_as_the_last_grant_and_never_again() {
        quotas.grant(ALICE, QuotaPeriod.DAY, DAY, 1000, 900, 900);

        assertThat(quotas.grant(ALICE, QuotaPeriod.DAY, DAY, 1000, 300, 300)).isEqualTo(new Grant(100, true));
        quotas.giveBack(ALICE, QuotaPeriod.DAY, DAY, 500);
        assertThat(quotas.grant(ALICE, QuotaPeriod.DAY, DAY, 1000, 800, 800))
                .as("no second overshoot, even after tokens came back").isEqualTo(Grant.NONE);
        assertThat(quotas.grant(ALICE, QuotaPeriod.DAY, DAY, 1000, 200, 500)).isEqualTo(new Grant(500, false));
    }

    @Test
    void periods_and_subjects_have_separate_ledgers() {
        Instant nextDay = QuotaPeriod.DAY.resetAt(T0, ZoneId.of("Asia/Tokyo"));
        quotas.grant(ALICE, QuotaPeriod.DAY, DAY, 1000, 1000, 1000);

        assertThat(quotas.grant(ALICE, QuotaPeriod.DAY, nextDay, 1000, 10, 10)).isEqualTo(new Grant(10, false));
        assertThat(quotas.grant(QuotaSubject.project("alice"), QuotaPeriod.DAY, DAY, 1000, 10, 10))
                .isEqualTo(new Grant(10, false));
        assertThat(quotas.purgeGrantsBefore(nextDay)).isEqualTo(2);
        assertThat(quotas.granted(ALICE, QuotaPeriod.DAY, nextDay)).isEqualTo(10);
    }

    @Test
    void three_servers_under_concurrency_overspend_by_at_most_one_request() throws Exception {
        long limit = 200_000;
        long maxEstimate = 3_000;
        var consumed = new AtomicLong();
        var admitted = new AtomicLong();
        var ledgers = new ArrayList<ReferenceQuotaLedger>();
        for (int server = 0; server < 3; server++) {
            var repository = server == 0 ? quotas : new QuotaRepository(testDb.openAnother());
            ledgers.add(new ReferenceQuotaLedger(repository, ALICE, QuotaPeriod.DAY, DAY, limit, 5_000));
        }
        var requests = new ArrayList<CompletableFuture<Void>>();
        for (ReferenceQuotaLedger ledger : ledgers) {
            for (int thread = 0; thread < 6; thread++) {
                requests.add(CompletableFuture.runAsync(() -> {
                    var random = ThreadLocalRandom.current();
                    int rejectedInARow = 0;
                    while (rejectedInARow < 8) {
                        long estimate = random.nextLong(100, maxEstimate + 1);
                        if (!ledger.reserve(estimate)) {
                            rejectedInARow++;
                            ledger.giveBackIdle(); // in a real gateway: after an idle period
                            continue;
                        }
                        rejectedInARow = 0;
                        long actual = random.nextLong(0, estimate + 1); // estimate is an upper bound
                        consumed.addAndGet(actual);
                        admitted.incrementAndGet();
                        ledger.settle(estimate, actual);
                    }
                }));
            }
        }
        CompletableFuture.allOf(requests.toArray(CompletableFuture[]::new)).get();

        System.out.println("[kiban-store] " + getClass().getSimpleName() + ": " + admitted.get()
                + " requests on 3 servers consumed " + consumed.get() + " of a " + limit + "-token budget");
        assertThat(consumed.get()).isLessThanOrEqualTo(limit + maxEstimate);
        assertThat(consumed.get()).as("the budget was really used up").isGreaterThan(limit * 9 / 10);
    }

}
