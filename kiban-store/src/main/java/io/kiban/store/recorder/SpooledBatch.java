package io.kiban.store.recorder;

import java.util.List;

/**
 * A batch of entries under one id. The id is recorded in {@code recorder_batches} in the same transaction as the
 * entries, which is what makes a replay after an unknown outcome apply the batch exactly once.
 */
record SpooledBatch(String id, List<SpooledEntry> entries) {
    SpooledBatch {
        entries = List.copyOf(entries);
    }
}
