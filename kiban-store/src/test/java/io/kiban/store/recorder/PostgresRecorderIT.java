package io.kiban.store.recorder;

import io.kiban.store.testing.PostgresExtension;
import io.kiban.store.testing.TestDatabase;
import java.time.Duration;

/**
 * On PostgreSQL the outage is real: the database refuses new connections and its server terminates the existing
 * ones, for the 30 seconds the issue names.
 */
@org.junit.jupiter.api.extension.ExtendWith(PostgresExtension.class)
class PostgresRecorderIT extends RecorderContract {
    @Override
    protected TestDatabase newDatabase() {
        return PostgresExtension.freshDatabase();
    }

    @Override
    protected Duration outageLength() {
        return Duration.ofSeconds(30);
    }

    @Override
    protected void outage(boolean down) {
        testDb.outage(down);
    }
}
