package io.kiban.control.backend;

import io.kiban.control.DeploymentSpec;
import io.kiban.control.model.ModelOptions;
import io.kiban.gguf.TinyLlama;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;

/** The backend contract on real {@code kiban worker} processes running llama.cpp on the tiny generated model. */
class ProcessBackendIT extends BackendContract {
    static Path dir;
    static Path model;

    @BeforeAll
    static void model() throws Exception {
        dir = Files.createTempDirectory("process-backend-it");
        model = dir.resolve("tiny.gguf");
        TinyLlama.write(model);
    }

    /** This JVM's java and class path (which holds kiban-worker), as the server's own worker command. */
    static List<String> workerCommand() {
        String java = ProcessHandle.current().info().command().orElseThrow();
        return List.of(java, "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC", "-Xmx256m",
                "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"), "io.kiban.worker.WorkerMain");
    }

    static ProcessBackend.Config config(Path root) {
        return new ProcessBackend.Config(workerCommand(), root.resolve("run"), root.resolve("logs"));
    }

    @Override
    protected Backend newBackend() throws Exception {
        return new ProcessBackend(config(Files.createTempDirectory(dir, "data")));
    }

    @Override
    protected DeploymentSpec servingSpec() {
        return DeploymentSpec.builtin("tiny", model, ModelOptions.parse("parallel=1,threads=1,ctx-size=256"))
                .withOrigin(DeploymentSpec.ORIGIN_API);
    }

    @Override
    protected DeploymentSpec failingSpec() {
        return DeploymentSpec.builtin("broken", dir.resolve("missing.gguf"), ModelOptions.parse("threads=1"));
    }
}
