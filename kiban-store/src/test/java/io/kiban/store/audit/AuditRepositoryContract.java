package io.kiban.store.audit;

import static io.kiban.store.testing.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.store.testing.TestDatabase;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The contract of {@link AuditRepository}, run on H2 and on PostgreSQL. */
public abstract class AuditRepositoryContract {
    private TestDatabase testDb;
    private AuditRepository audit;

    protected abstract TestDatabase newDatabase();

    @BeforeEach
    void open() {
        testDb = newDatabase();
        audit = new AuditRepository(testDb.database());
    }

    @AfterEach
    void close() {
        testDb.close();
    }

    private static AuditEvent event(String id, int second, String actor, String action, String targetId) {
        return new AuditEvent(id, T0.plusSeconds(second), actor, action, "key", targetId, "10.0.0.1",
                Map.of("prefix", "sk-kiban-AbCde"));
    }

    @Test
    void stores_events_as_given_and_ignores_a_repeated_id() {
        AuditEvent e = event("ev1", 0, "alice", AuditAction.KEY_CREATED, "key_1");

        assertThat(audit.insert(e)).isTrue();
        assertThat(audit.insert(e)).isFalse();

        assertThat(audit.query(AuditQuery.ALL, null, 10)).containsExactly(e);
    }

    @Test
    void queries_by_actor_action_target_and_time_newest_first_in_pages() {
        var events = List.of(
                event("ev1", 0, "alice", AuditAction.KEY_CREATED, "key_1"),
                event("ev2", 1, "alice", AuditAction.KEY_ROTATED, "key_1"),
                event("ev3", 2, "admin", AuditAction.HISTORY_READ_BY_ADMIN, "alice"),
                event("ev4", 3, null, AuditAction.AUTHENTICATION_FAILED, null),
                event("ev5", 4, "alice", AuditAction.KEY_REVOKED, "key_1"));
        events.forEach(audit::insert);

        assertThat(audit.query(AuditQuery.ALL.withActor("alice"), null, 10)).extracting(AuditEvent::id)
                .containsExactly("ev5", "ev2", "ev1");
        assertThat(audit.query(AuditQuery.ALL.withAction(AuditAction.AUTHENTICATION_FAILED), null, 10))
                .extracting(AuditEvent::id).containsExactly("ev4");
        assertThat(audit.query(AuditQuery.ALL.withTarget("key", "key_1"), null, 10)).hasSize(3);
        assertThat(audit.query(AuditQuery.ALL.withTimeRange(T0.plusSeconds(1), T0.plusSeconds(3)), null, 10))
                .extracting(AuditEvent::id).containsExactly("ev3", "ev2");

        List<AuditEvent> first = audit.query(AuditQuery.ALL, null, 2);
        List<AuditEvent> second = audit.query(AuditQuery.ALL, first.getLast().id(), 2);
        List<AuditEvent> third = audit.query(AuditQuery.ALL, second.getLast().id(), 2);
        assertThat(first).extracting(AuditEvent::id).containsExactly("ev5", "ev4");
        assertThat(second).extracting(AuditEvent::id).containsExactly("ev3", "ev2");
        assertThat(third).extracting(AuditEvent::id).containsExactly("ev1");
        assertThat(audit.query(AuditQuery.ALL, "no-such-event", 2)).isEmpty();
    }

    @Test
    void purge_removes_old_events() {
        audit.insert(event("ev1", 0, "alice", AuditAction.KEY_CREATED, "key_1"));
        audit.insert(event("ev2", 100, "alice", AuditAction.KEY_REVOKED, "key_1"));

        assertThat(audit.purgeOlderThan(T0.plusSeconds(50))).isEqualTo(1);
        assertThat(audit.query(AuditQuery.ALL, null, 10)).extracting(AuditEvent::id).containsExactly("ev2");
    }
}
