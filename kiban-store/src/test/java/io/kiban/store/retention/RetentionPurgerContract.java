package io.kiban.store.retention;

import static io.kiban.store.testing.Fixtures.T0;
import static io.kiban.store.testing.Fixtures.history;
import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.store.Database;
import io.kiban.store.audit.AuditEvent;
import io.kiban.store.audit.AuditRepository;
import io.kiban.store.history.HistoryRepository;
import io.kiban.store.quota.QuotaPeriod;
import io.kiban.store.quota.QuotaRepository;
import io.kiban.store.quota.QuotaSubject;
import io.kiban.store.testing.MutableClock;
import io.kiban.store.testing.TestDatabase;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The contract of {@link RetentionPurger}, run on H2 and on PostgreSQL. */
public abstract class RetentionPurgerContract {
    private TestDatabase testDb;

    protected abstract TestDatabase newDatabase();

    @BeforeEach
    void open() {
        testDb = newDatabase();
    }

    @AfterEach
    void close() {
        testDb.close();
    }

    @Test
    void deletes_only_what_is_older_than_each_retention() {
        Database db = testDb.database();
        var historyRepo = new HistoryRepository(db);
        var auditRepo = new AuditRepository(db);
        var quotas = new QuotaRepository(db);
        historyRepo.insert(history("old", "alice", T0));
        historyRepo.insert(history("new", "alice", T0.plus(Duration.ofDays(80))));
        auditRepo.insert(new AuditEvent("ev-old", T0, null, "auth.failed", null, null, null, Map.of()));
        auditRepo.insert(new AuditEvent("ev-new", T0.plus(Duration.ofDays(80)), null, "auth.failed", null, null,
                null, Map.of()));
        quotas.grant(QuotaSubject.user("alice"), QuotaPeriod.MONTH, T0, 1000, 10, 10);
        var clock = new MutableClock(T0.plus(Duration.ofDays(100)));

        var purger = new RetentionPurger(db, clock, new RetentionPurger.Policy(Duration.ofDays(90),
                Duration.ofDays(365)));
        RetentionPurger.Result result = purger.purge();

        assertThat(result).isEqualTo(new RetentionPurger.Result(1, 0, 0, 1));
        assertThat(historyRepo.find("alice", "old")).isEmpty();
        assertThat(historyRepo.find("alice", "new")).isPresent();
    }
}
