package io.kiban.store.usage;

import io.kiban.store.history.HistoryRecord;
import io.kiban.store.history.HistoryStatus;
import java.time.Instant;
import java.util.Objects;

/**
 * Counts to add to one user's usage. The repository files it under the UTC hour of {@code at}.
 *
 * @param keyId null when no key was involved
 * @param projectId null when no project is billed
 */
public record UsageIncrement(Instant at, String userId, String keyId, String projectId, String model, long requests,
        long errors, long promptTokens, long completionTokens) {

    public UsageIncrement {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(userId, "userId");
        Objects.requireNonNull(model, "model");
    }

    /** The usage one history record stands for: one request, an error if it failed, its tokens. */
    public static UsageIncrement of(HistoryRecord r) {
        return new UsageIncrement(r.createdAt(), r.userId(), r.keyId(), r.projectId(), r.model(), 1,
                r.status() == HistoryStatus.ERROR ? 1 : 0, r.promptTokens(), r.completionTokens());
    }
}
