package io.kiban.store.usage;

import io.kiban.store.testing.PostgresExtension;
import io.kiban.store.testing.TestDatabase;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PostgresExtension.class)
class PostgresUsageRepositoryIT extends UsageRepositoryContract {
    @Override
    protected TestDatabase newDatabase() {
        return PostgresExtension.freshDatabase();
    }
}
