package io.kiban.server.auth;

import io.kiban.server.Ids;
import io.kiban.store.keys.ApiKey;
import io.kiban.store.keys.ApiKeyRepository;
import io.kiban.store.keys.KeySecrets;
import io.kiban.store.keys.KeySettings;
import io.kiban.store.tenancy.Role;
import io.kiban.store.tenancy.User;
import io.kiban.store.tenancy.UserRepository;
import java.time.Clock;
import java.time.Instant;

/**
 * Makes sure a fresh installation has an administrator: the user {@code admin@localhost} and, unless
 * {@code KIBAN_ADMIN_KEY} is set, one generated key whose secret is shown once, at the first start, and stored only
 * as a hash.
 */
public final class AdminBootstrap {
    public static final String ADMIN_EMAIL = "admin@localhost";
    public static final String BOOTSTRAP_KEY_NAME = "bootstrap admin key";

    /** The administrator, and the new secret when one was just generated (else null). */
    public record Result(String adminUserId, String newSecret, String existingPrefix) {}

    private final UserRepository users;
    private final ApiKeyRepository keys;
    private final Clock clock;

    public AdminBootstrap(UserRepository users, ApiKeyRepository keys, Clock clock) {
        this.users = users;
        this.keys = keys;
        this.clock = clock;
    }

    public Result ensure(boolean envKeySet) {
        Instant now = clock.instant();
        User admin = users.findByEmail(ADMIN_EMAIL).orElse(null);
        if (admin == null) {
            admin = new User(Ids.next("usr_"), "admin", ADMIN_EMAIL, Role.ADMIN, true, now, now);
            users.insert(admin);
        }
        if (envKeySet) {
            return new Result(admin.id(), null, null);
        }
        for (ApiKey k : keys.listByOwner(admin.id())) {
            if (!k.isRevoked() && k.settings().name().equals(BOOTSTRAP_KEY_NAME)) {
                return new Result(admin.id(), null, k.prefix());
            }
        }
        KeySecrets.NewSecret secret = new KeySecrets().generate();
        keys.insert(ApiKey.create(Ids.next("key_"), admin.id(), secret, KeySettings.named(BOOTSTRAP_KEY_NAME), now));
        return new Result(admin.id(), secret.secret(), null);
    }
}
