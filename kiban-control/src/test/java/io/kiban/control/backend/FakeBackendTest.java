package io.kiban.control.backend;

import io.kiban.control.DeploymentSpec;
import io.kiban.control.model.ModelOptions;
import java.nio.file.Path;
import java.time.Duration;

/** The backend contract on the honest in-memory fake, so tests built on it test against a real contract. */
class FakeBackendTest extends BackendContract {
    @Override
    protected Backend newBackend() {
        return new FakeBackend(Duration.ofMillis(50));
    }

    @Override
    protected DeploymentSpec servingSpec() {
        return DeploymentSpec.builtin("fake", Path.of("pom.xml").toAbsolutePath(), ModelOptions.DEFAULTS);
    }

    @Override
    protected DeploymentSpec failingSpec() {
        return DeploymentSpec.builtin("fake", Path.of("no-such-model.gguf").toAbsolutePath(), ModelOptions.DEFAULTS);
    }
}
