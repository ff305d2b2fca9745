package io.kiban.store.usage;

import io.kiban.store.testing.H2TestDatabase;
import io.kiban.store.testing.TestDatabase;

class H2UsageRepositoryIT extends UsageRepositoryContract {
    @Override
    protected TestDatabase newDatabase() {
        return H2TestDatabase.fresh();
    }
}
