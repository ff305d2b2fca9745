package io.kiban.store.recorder;

import io.kiban.store.testing.PostgresExtension;
import io.kiban.store.testing.TestDatabase;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PostgresExtension.class)
class PostgresRecorderCrashIT extends RecorderCrashContract {
    @Override
    protected TestDatabase newDatabase() {
        return PostgresExtension.freshDatabase();
    }
}
