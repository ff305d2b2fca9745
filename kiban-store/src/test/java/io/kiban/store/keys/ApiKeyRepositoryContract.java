package io.kiban.store.keys;

import static io.kiban.store.testing.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.store.Database;
import io.kiban.store.tenancy.Role;
import io.kiban.store.tenancy.User;
import io.kiban.store.tenancy.UserRepository;
import io.kiban.store.testing.Fixtures;
import io.kiban.store.testing.TestDatabase;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The contract of {@link ApiKeyRepository} and {@link LastUseTracker}, run on H2 and on PostgreSQL. */
public abstract class ApiKeyRepositoryContract {
    private final KeySecrets secrets = new KeySecrets();
    private TestDatabase testDb;
    private Database db;
    private ApiKeyRepository keys;

    protected abstract TestDatabase newDatabase();

    @BeforeEach
    void open() {
        testDb = newDatabase();
        db = testDb.database();
        keys = new ApiKeyRepository(db);
        Fixtures.users(db, "alice", "bob");
    }

    @AfterEach
    void close() {
        testDb.close();
    }

    private KeyState newKey(String id, String owner, KeySettings settings) {
        return keys.insert(ApiKey.create(id, owner, secrets.generate(), settings, T0));
    }

    @Test
    void stores_every_setting_and_reads_it_back() {
        var settings = new KeySettings("ci", null, Instant.parse("2027-01-01T00:00:00Z"),
                List.of("llama-3-8b", "bge-small"), List.of("10.0.0.0/8", "192.168.1.0/24"), 60, 100_000L, true);
        KeySecrets.NewSecret secret = secrets.generate();

        KeyState stored = keys.insert(ApiKey.create("key_1", "alice", secret, settings, T0));

        assertThat(stored.userActive()).isTrue();
        assertThat(stored.userRole()).isEqualTo(Role.USER);
        ApiKey key = keys.find("alice", "key_1").orElseThrow();
        assertThat(key).isEqualTo(stored.key());
        assertThat(key.settings()).isEqualTo(settings);
        assertThat(key.prefix()).isEqualTo(secret.prefix());
        assertThat(key.secretHash()).isEqualTo(secret.hash()).doesNotContain(secret.secret());
        assertThat(key.revision()).isPositive();
    }

    @Test
    void another_user_cannot_see_change_revoke_or_rotate_a_key_and_it_looks_missing() {
        newKey("key_a", "alice", KeySettings.named("alice's"));

        for (String keyId : List.of("key_a", "key_missing")) {
            assertThat(keys.find("bob", keyId)).isEmpty();
            assertThat(keys.updateSettings("bob", keyId, KeySettings.named("stolen"))).isEmpty();
            assertThat(keys.revoke("bob", keyId, T0)).isEmpty();
            assertThat(keys.rotate("bob", keyId, secrets.generate())).isEmpty();
        }
        assertThat(keys.listByOwner("bob")).isEmpty();
        ApiKey untouched = keys.find("alice", "key_a").orElseThrow();
        assertThat(untouched.revokedAt()).isNull();
        assertThat(untouched.settings().name()).isEqualTo("alice's");
    }

    @Test
    void lists_the_owners_keys_newest_first() {
        keys.insert(ApiKey.create("key_old", "alice", secrets.generate(), KeySettings.named("old"), T0));
        keys.insert(ApiKey.create("key_new", "alice", secrets.generate(), KeySettings.named("new"),
                T0.plusSeconds(10)));
        newKey("key_bob", "bob", KeySettings.named("bob's"));

        assertThat(keys.listByOwner("alice")).extracting(ApiKey::id).containsExactly("key_new", "key_old");
    }

    @Test
    void revoking_is_idempotent_and_keeps_the_first_revocation_time() {
        newKey("key_1", "alice", KeySettings.named("k"));

        KeyState first = keys.revoke("alice", "key_1", T0.plusSeconds(5)).orElseThrow();
        KeyState again = keys.revoke("alice", "key_1", T0.plusSeconds(50)).orElseThrow();

        assertThat(first.key().revokedAt()).isEqualTo(T0.plusSeconds(5));
        assertThat(again).isEqualTo(first);
        assertThat(first.isEnabled()).isFalse();
    }

    @Test
    void rotating_changes_the_secret_keeps_the_settings_and_refuses_revoked_keys() {
        var settings = new KeySettings("ci", null, null, List.of("m"), List.of(), 10, null, false);
        KeyState before = newKey("key_1", "alice", settings);
        KeySecrets.NewSecret fresh = secrets.generate();

        KeyState after = keys.rotate("alice", "key_1", fresh).orElseThrow();

        assertThat(after.key().secretHash()).isEqualTo(fresh.hash()).isNotEqualTo(before.key().secretHash());
        assertThat(after.key().prefix()).isEqualTo(fresh.prefix());
        assertThat(after.key().settings()).isEqualTo(settings);
        assertThat(after.key().revision()).isGreaterThan(before.key().revision());

        keys.revoke("alice", "key_1", T0);
        assertThat(keys.rotate("alice", "key_1", secrets.generate())).isEmpty();
    }

    @Test
    void every_change_gets_a_higher_revision_and_shows_up_in_the_change_feed() {
        long r1 = newKey("key_1", "alice", KeySettings.named("a")).key().revision();
        long r2 = newKey("key_2", "bob", KeySettings.named("b")).key().revision();
        long r3 = keys.updateSettings("alice", "key_1", KeySettings.named("a2")).orElseThrow().key().revision();

        assertThat(r2).isGreaterThan(r1);
        assertThat(r3).isGreaterThan(r2);
        assertThat(keys.changesSince(r1)).extracting(s -> s.key().id()).containsExactly("key_2", "key_1");
        assertThat(keys.changesSince(r3)).isEmpty();
    }

    @Test
    void deactivating_a_user_moves_their_keys_into_the_change_feed_and_out_of_the_snapshot() {
        newKey("key_1", "alice", KeySettings.named("a"));
        newKey("key_2", "alice", KeySettings.named("b"));
        newKey("key_3", "bob", KeySettings.named("c"));
        long before = keys.snapshot().revision();

        var users = new UserRepository(db);
        User alice = users.findById("alice").orElseThrow();
        users.update(new User("alice", alice.name(), alice.email(), alice.role(), false, alice.createdAt(), T0));

        List<KeyState> changes = keys.changesSince(before);
        assertThat(changes).extracting(s -> s.key().id()).containsExactlyInAnyOrder("key_1", "key_2");
        assertThat(changes).allSatisfy(s -> assertThat(s.isEnabled()).isFalse());
        assertThat(keys.snapshot().keys()).extracting(s -> s.key().id()).containsExactly("key_3");
    }

    @Test
    void the_snapshot_leaves_out_revoked_keys() {
        newKey("key_1", "alice", KeySettings.named("a"));
        newKey("key_2", "alice", KeySettings.named("b"));
        keys.revoke("alice", "key_2", T0);

        ApiKeyRepository.Snapshot snapshot = keys.snapshot();

        assertThat(snapshot.keys()).extracting(s -> s.key().id()).containsExactly("key_1");
        assertThat(snapshot.revision()).isEqualTo(keys.find("alice", "key_2").orElseThrow().revision());
    }

    @Test
    void last_use_is_coalesced_in_memory_and_only_moves_forward() {
        newKey("key_1", "alice", KeySettings.named("a"));
        newKey("key_2", "alice", KeySettings.named("b"));
        var tracker = new LastUseTracker(keys);
        for (int i = 0; i < 1000; i++) {
            tracker.touch("key_1", T0.plusSeconds(i));
        }
        tracker.touch("key_2", T0.plusSeconds(5));
        long revisionBefore = keys.find("alice", "key_1").orElseThrow().revision();

        assertThat(tracker.pendingCount()).isEqualTo(2);
        assertThat(tracker.flush()).isEqualTo(2);
        assertThat(tracker.pendingCount()).isZero();
        ApiKey key1 = keys.find("alice", "key_1").orElseThrow();
        assertThat(key1.lastUsedAt()).isEqualTo(T0.plusSeconds(999));
        assertThat(key1.revision()).as("last use is not a change for key caches").isEqualTo(revisionBefore);

        tracker.touch("key_1", T0); // an older use flushed late (another server, a slow thread)
        tracker.flush();
        assertThat(keys.find("alice", "key_1").orElseThrow().lastUsedAt()).isEqualTo(T0.plusSeconds(999));
    }
}
