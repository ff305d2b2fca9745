package io.kiban.store.keys;

import static io.kiban.store.testing.Fixtures.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.store.Database;
import io.kiban.store.tenancy.User;
import io.kiban.store.tenancy.UserRepository;
import io.kiban.store.testing.Fixtures;
import io.kiban.store.testing.MutableClock;
import io.kiban.store.testing.TestDatabase;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The contract of {@link KeyCache}, run on H2 and on PostgreSQL. */
public abstract class KeyCacheContract {
    private static final Duration NEVER = Duration.ofHours(1);

    private final KeySecrets secrets = new KeySecrets();
    private final MutableClock clock = new MutableClock(T0);
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private TestDatabase testDb;
    private ApiKeyRepository keys;

    protected abstract TestDatabase newDatabase();

    @BeforeEach
    void open() {
        testDb = newDatabase();
        keys = new ApiKeyRepository(testDb.database());
        Fixtures.users(testDb.database(), "alice", "bob");
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : toClose.reversed()) {
            c.close();
        }
        testDb.close();
    }

    private KeyCache cache(ApiKeyRepository repository, Clock clock, Duration poll) {
        var cache = new KeyCache(repository, clock, poll).start();
        toClose.add(cache);
        return cache;
    }

    private String newKey(String id, String owner, Instant expiresAt) {
        KeySecrets.NewSecret secret = secrets.generate();
        var settings = new KeySettings(id, null, expiresAt, List.of(), List.of(), null, null, false);
        keys.insert(ApiKey.create(id, owner, secret, settings, T0));
        return secret.secret();
    }

    @Test
    void authenticates_from_memory_even_with_the_database_gone() {
        String secret = newKey("key_1", "alice", null);
        Database ownPool = testDb.openAnother();
        KeyCache cache = cache(new ApiKeyRepository(ownPool), clock, NEVER);
        ownPool.close();

        KeyLookup lookup = cache.authenticate(secret);

        assertThat(lookup).isInstanceOfSatisfying(KeyLookup.Valid.class, v -> {
            assertThat(v.state().key().id()).isEqualTo("key_1");
            assertThat(v.state().key().userId()).isEqualTo("alice");
        });
        assertThat(cache.authenticate(secrets.generate().secret())).isInstanceOf(KeyLookup.Unknown.class);
        assertThat(cache.authenticate("sk-kiban-nonsense")).isInstanceOf(KeyLookup.Malformed.class);
        assertThat(cache.authenticate("Bearer " + secret)).isInstanceOf(KeyLookup.Malformed.class);
    }

    @Test
    void a_local_revocation_applies_at_once_without_waiting_for_a_poll() {
        String secret = newKey("key_1", "alice", null);
        KeyCache cache = cache(keys, clock, NEVER);

        cache.apply(keys.revoke("alice", "key_1", T0).orElseThrow());

        assertThat(cache.authenticate(secret)).isInstanceOf(KeyLookup.Unknown.class);
        assertThat(cache.size()).isZero();
    }

    @Test
    void an_older_state_arriving_late_does_not_undo_a_revocation() {
        String secret = newKey("key_1", "alice", null);
        KeyCache cache = cache(keys, clock, NEVER);
        KeyState beforeRevocation = keys.changesSince(0).getLast();

        cache.apply(keys.revoke("alice", "key_1", T0).orElseThrow());
        cache.apply(beforeRevocation);

        assertThat(cache.authenticate(secret)).isInstanceOf(KeyLookup.Unknown.class);
    }

    @Test
    void rotation_retires_the_old_secret_and_admits_the_new_one() {
        String old = newKey("key_1", "alice", null);
        KeyCache cache = cache(keys, clock, NEVER);
        KeySecrets.NewSecret fresh = secrets.generate();

        cache.apply(keys.rotate("alice", "key_1", fresh).orElseThrow());

        assertThat(cache.authenticate(old)).isInstanceOf(KeyLookup.Unknown.class);
        assertThat(cache.authenticate(fresh.secret())).isInstanceOf(KeyLookup.Valid.class);
    }

    @Test
    void a_key_expires_by_the_clock_without_any_change_in_the_database() {
        String secret = newKey("key_1", "alice", T0.plusSeconds(60));
        KeyCache cache = cache(keys, clock, NEVER);

        assertThat(cache.authenticate(secret)).isInstanceOf(KeyLookup.Valid.class);
        clock.advance(Duration.ofSeconds(60));
        assertThat(cache.authenticate(secret)).isInstanceOfSatisfying(KeyLookup.Expired.class,
                e -> assertThat(e.key().id()).isEqualTo("key_1"));
    }

    @Test
    void deactivating_the_owner_disables_their_keys_after_a_refresh() {
        String secret = newKey("key_1", "alice", null);
        String bobs = newKey("key_2", "bob", null);
        KeyCache cache = cache(keys, clock, NEVER);
        var users = new UserRepository(testDb.database());
        User alice = users.findById("alice").orElseThrow();

        users.update(new User("alice", alice.name(), alice.email(), alice.role(), false, alice.createdAt(), T0));
        assertThat(cache.refresh()).isTrue();

        assertThat(cache.authenticate(secret)).isInstanceOf(KeyLookup.Unknown.class);
        assertThat(cache.authenticate(bobs)).isInstanceOf(KeyLookup.Valid.class);
    }

    @Test
    void another_servers_revocation_is_seen_within_two_seconds() throws Exception {
        var secretsById = new ArrayList<String>();
        for (int i = 0; i < 3; i++) {
            secretsById.add(newKey("key_" + i, "alice", null));
        }
        KeyCache here = cache(keys, Clock.systemUTC(), Duration.ofSeconds(1));
        var otherServer = new ApiKeyRepository(testDb.openAnother());

        long worstMillis = 0;
        for (int i = 0; i < 3; i++) {
            assertThat(here.authenticate(secretsById.get(i))).isInstanceOf(KeyLookup.Valid.class);
            long start = System.nanoTime();
            otherServer.revoke("alice", "key_" + i, Instant.now());
            while (here.authenticate(secretsById.get(i)) instanceof KeyLookup.Valid) {
                assertThat(System.nanoTime() - start).as("revocation still not seen").isLessThan(2_000_000_000L);
                Thread.sleep(5);
            }
            worstMillis = Math.max(worstMillis, (System.nanoTime() - start) / 1_000_000);
            Thread.sleep(137L * i); // revoke at different points of the poll cycle
        }
        System.out.println("[kiban-store] " + getClass().getSimpleName() + ": cross-server revocation seen after at most "
                + worstMillis + " ms (poll 1 s)");
        assertThat(worstMillis).isLessThan(2000);
    }

    @Test
    void concurrent_changes_from_several_servers_are_never_skipped_by_the_feed() throws Exception {
        int writers = 4;
        int changesEach = 25;
        for (int w = 0; w < writers; w++) {
            newKey("key_" + w, "alice", null);
        }
        KeyCache cache = cache(keys, clock, Duration.ofMillis(5));
        ExecutorService pool = Executors.newFixedThreadPool(writers);
        try {
            var futures = new ArrayList<Future<?>>();
            for (int w = 0; w < writers; w++) {
                String keyId = "key_" + w;
                var repository = new ApiKeyRepository(testDb.openAnother());
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < changesEach; i++) {
                        repository.updateSettings("alice", keyId, KeySettings.named(keyId + "-" + i));
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(cache.refresh()).isTrue();

        // The cache must hold each key at its final revision: a skipped change would leave an older one.
        for (int w = 0; w < writers; w++) {
            ApiKey stored = keys.find("alice", "key_" + w).orElseThrow();
            assertThat(stored.settings().name()).isEqualTo("key_" + w + "-" + (changesEach - 1));
            assertThat(cacheRevisionOf(cache, stored)).isEqualTo(stored.revision());
        }
    }

    private static long cacheRevisionOf(KeyCache cache, ApiKey stored) {
        return cache.stateOf(stored.id()).orElseThrow().key().revision();
    }
}
