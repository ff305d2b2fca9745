package io.kiban.store.deployments;

import io.kiban.store.testing.PostgresExtension;
import io.kiban.store.testing.TestDatabase;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(PostgresExtension.class)
class PostgresDeploymentRepositoryIT extends DeploymentRepositoryContract {
    @Override
    protected TestDatabase newDatabase() {
        return PostgresExtension.freshDatabase();
    }
}
