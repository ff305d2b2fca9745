package io.kiban.store.deployments;

import io.kiban.store.testing.H2TestDatabase;
import io.kiban.store.testing.TestDatabase;

class H2DeploymentRepositoryIT extends DeploymentRepositoryContract {
    @Override
    protected TestDatabase newDatabase() {
        return H2TestDatabase.fresh();
    }
}
