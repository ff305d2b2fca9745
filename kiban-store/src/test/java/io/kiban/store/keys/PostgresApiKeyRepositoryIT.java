package io.kiban.store.keys;

import io.kiban.store.testing.PostgresExtension;
import io.kiban.store.testing.TestDatabase;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PostgresExtension.class)
class PostgresApiKeyRepositoryIT extends ApiKeyRepositoryContract {
    @Override
    protected TestDatabase newDatabase() {
        return PostgresExtension.freshDatabase();
    }
}
