package io.kiban.store.audit;

import io.kiban.store.testing.H2TestDatabase;
import io.kiban.store.testing.TestDatabase;

class H2AuditRepositoryIT extends AuditRepositoryContract {
    @Override
    protected TestDatabase newDatabase() {
        return H2TestDatabase.fresh();
    }
}
