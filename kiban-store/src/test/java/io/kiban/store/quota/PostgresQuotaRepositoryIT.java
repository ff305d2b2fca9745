package io.kiban.store.quota;

import io.kiban.store.testing.PostgresExtension;
import io.kiban.store.testing.TestDatabase;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PostgresExtension.class)
class PostgresQuotaRepositoryIT extends QuotaRepositoryContract {
    @Override
    protected TestDatabase newDatabase() {
        return PostgresExtension.freshDatabase();
    }
}
