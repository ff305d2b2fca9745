package io.kiban.store.testing;

import io.kiban.store.Database;
import io.kiban.store.history.HistoryKind;
import io.kiban.store.history.HistoryRecord;
import io.kiban.store.history.HistoryStatus;
import io.kiban.store.tenancy.Role;
import io.kiban.store.tenancy.User;
import io.kiban.store.tenancy.UserRepository;
import java.time.Instant;
import java.util.Map;

/** Small builders shared by the contract kits. */
public final class Fixtures {
    /** A fixed, microsecond-aligned instant for tests that do not care about time. */
    public static final Instant T0 = Instant.parse("2026-11-01T09:00:00Z");

    private Fixtures() {}

    public static User user(String id) {
        return new User(id, "User " + id, id + "@example.ac.jp", Role.USER, true, T0, T0);
    }

    /** Inserts users with the given ids. */
    public static void users(Database db, String... ids) {
        var repo = new UserRepository(db);
        for (String id : ids) {
            repo.insert(user(id));
        }
    }

    /** A completed chat record with small bodies. */
    public static HistoryRecord history(String id, String userId, Instant createdAt) {
        return new HistoryRecord(id, HistoryKind.CHAT, userId, "key_" + userId, null, "llama-3-8b", "10.1.2.3",
                HistoryStatus.COMPLETED, 200, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi " + id + "\"}]}",
                "{\"id\":\"" + id + "\",\"choices\":[]}", createdAt, 120L, 900, 12, 34, Map.of());
    }
}
