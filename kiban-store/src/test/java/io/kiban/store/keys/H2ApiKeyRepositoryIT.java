package io.kiban.store.keys;

import io.kiban.store.testing.H2TestDatabase;
import io.kiban.store.testing.TestDatabase;

class H2ApiKeyRepositoryIT extends ApiKeyRepositoryContract {
    @Override
    protected TestDatabase newDatabase() {
        return H2TestDatabase.fresh();
    }
}
