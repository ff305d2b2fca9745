package io.kiban.server.jmh;

import io.kiban.gateway.spi.Limiter;
import io.kiban.gateway.spi.Principal;
import io.kiban.server.auth.KeyAuthenticator;
import io.kiban.server.limits.GatewayLimiter;
import io.kiban.store.Database;
import io.kiban.store.DatabaseConfig;
import io.kiban.store.keys.ApiKey;
import io.kiban.store.keys.ApiKeyRepository;
import io.kiban.store.keys.KeyCache;
import io.kiban.store.keys.KeyLookup;
import io.kiban.store.keys.KeySecrets;
import io.kiban.store.keys.KeySettings;
import io.kiban.store.keys.KeyState;
import io.kiban.store.keys.LastUseTracker;
import io.kiban.store.quota.Quota;
import io.kiban.store.quota.QuotaPeriod;
import io.kiban.store.quota.QuotaRepository;
import io.kiban.store.quota.QuotaSubject;
import io.kiban.store.tenancy.Role;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What governance costs a request before and after it is forwarded: the API key check ({@link KeyAuthenticator}
 * over a {@link KeyCache} of 1,000 keys: SHA-256, a map lookup, the cached principal, the last-use touch) and the
 * limiter ({@link GatewayLimiter#reserve} + {@link GatewayLimiter#settle}) with nothing to enforce, with a key's
 * requests and tokens per minute, and with a user's daily and monthly token quota (allowance granted once from an
 * in-memory H2 ledger, then spent in memory). The limiter's upkeep thread is not started, so nothing else runs.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class GovernanceBenchmark {
    private static final String CLIENT_IP = "10.1.2.3";
    private static final int KEYS = 1000;

    private KeyCache cache;
    private KeyAuthenticator auth;
    private KeyAuthenticator authWithEnvKey;
    private String secret;
    private String header;
    private String envHeader;

    private Database db;
    private GatewayLimiter limiter;
    private final Limiter.Demand demand = new Limiter.Demand("qwen2.5-0.5b-instruct", "chat", 4096, 512, 1);
    private final Principal plain = new Principal("user_plain", "key_plain", null, false, Set.of(), false);
    private final Principal keyLimited = new Principal("user_rate", "key_rate", null, false, Set.of(), false,
            1_000_000_000, 1_000_000_000_000L);
    private final Principal quotaUser = new Principal("user_quota", "key_quota", null, false, Set.of(), false);

    @Setup(Level.Trial)
    public void setup() {
        KeySecrets secrets = new KeySecrets();
        ApiKeyRepository noDatabase = new ApiKeyRepository(null); // the cache is filled by apply, never polled
        cache = new KeyCache(noDatabase, Clock.systemUTC(), Duration.ofHours(1));
        Instant t0 = Instant.parse("2026-11-01T00:00:00Z");
        for (int i = 0; i < KEYS; i++) {
            KeySecrets.NewSecret s = secrets.generate();
            ApiKey key = ApiKey.create("key_" + i, "user_" + (i % 50), s, KeySettings.named("key " + i), t0);
            cache.apply(new KeyState(new ApiKey(key.id(), key.userId(), key.prefix(), key.secretHash(), t0, null, null,
                    key.settings(), i + 1), true, Role.USER));
            if (i == KEYS / 2) {
                secret = s.secret();
            }
        }
        header = "Bearer " + secret;
        String envKey = secrets.generate().secret();
        envHeader = "Bearer " + envKey;
        LastUseTracker lastUse = new LastUseTracker(noDatabase);
        auth = new KeyAuthenticator(cache, lastUse, KeyAuthenticator.FailureListener.NONE, Clock.systemUTC(), null,
                "user_admin");
        authWithEnvKey = new KeyAuthenticator(cache, lastUse, KeyAuthenticator.FailureListener.NONE,
                Clock.systemUTC(), envKey, "user_admin");
        if (!(cache.authenticate(secret) instanceof KeyLookup.Valid)
                || !authenticateStoredKey().keyId().equals("key_" + KEYS / 2)
                || !authenticateEnvAdminKey().admin()) {
            throw new IllegalStateException("sample keys not accepted");
        }

        db = Database.open(DatabaseConfig.of(Database.h2Memory("jmh-governance-" + System.nanoTime())));
        QuotaRepository quotas = new QuotaRepository(db);
        for (QuotaPeriod period : QuotaPeriod.values()) {
            quotas.put(new Quota(QuotaSubject.user("user_quota"), period, 1_000_000_000_000_000L, Instant.now()));
        }
        limiter = new GatewayLimiter(quotas, Clock.systemUTC(), ZoneOffset.UTC, model -> 32768);
        limiter.reloadQuotas();
        for (Principal p : List.of(plain, keyLimited, quotaUser)) {
            limiter.settle(limiter.reserve(p, demand), 287); // the quota's first grant comes from the ledger here
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        limiter.close();
        db.close();
    }

    /** Hex SHA-256 of a presented secret, which every lookup computes. */
    @Benchmark
    public String sha256Hex() {
        return KeySecrets.hash(secret);
    }

    /** The store's part: shape and checksum check, hash, map lookup, constant-time compare, expiry. */
    @Benchmark
    public KeyLookup keyCacheAuthenticate() {
        return cache.authenticate(secret);
    }

    /** The whole key check for a stored key (no {@code KIBAN_ADMIN_KEY} set). */
    @Benchmark
    public Principal authenticateStoredKey() {
        return auth.authenticate(header, CLIENT_IP);
    }

    /** A stored key while {@code KIBAN_ADMIN_KEY} is set: the presented secret is hashed for that comparison too. */
    @Benchmark
    public Principal authenticateStoredKeyWithEnvKeySet() {
        return authWithEnvKey.authenticate(header, CLIENT_IP);
    }

    /** The {@code KIBAN_ADMIN_KEY} itself (the overhead protocol's governed server is called with it). */
    @Benchmark
    public Principal authenticateEnvAdminKey() {
        return authWithEnvKey.authenticate(envHeader, CLIENT_IP);
    }

    /** A key without rate limits, a user and project without quotas: the common case. */
    @Benchmark
    public Limiter.Reservation limitsNone() {
        Limiter.Reservation r = limiter.reserve(plain, demand);
        limiter.settle(r, 287);
        return r;
    }

    /** A key with requests- and tokens-per-minute limits (never reached here). */
    @Benchmark
    public Limiter.Reservation limitsKeyRate() {
        Limiter.Reservation r = limiter.reserve(keyLimited, demand);
        limiter.settle(r, 287);
        return r;
    }

    /** A user with a daily and a monthly token quota (never reached here), spent from the local allowance. */
    @Benchmark
    public Limiter.Reservation limitsUserQuota() {
        Limiter.Reservation r = limiter.reserve(quotaUser, demand);
        limiter.settle(r, 287);
        return r;
    }
}
