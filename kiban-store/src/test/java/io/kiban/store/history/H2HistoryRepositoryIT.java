package io.kiban.store.history;

import io.kiban.store.testing.H2TestDatabase;
import io.kiban.store.testing.TestDatabase;

class H2HistoryRepositoryIT extends HistoryRepositoryContract {
    @Override
    protected TestDatabase newDatabase() {
        return H2TestDatabase.fresh();
    }
}
