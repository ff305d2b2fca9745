package io.kiban.control.backend;

import io.kiban.control.DeploymentSpec;
import io.kiban.control.HoldSpec;
import io.kiban.control.autoscale.ScalingSpec;
import io.kiban.control.balance.BalancingPolicy;
import io.kiban.control.model.ModelOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The backend contract for the {@code command} runtime: {@link ProcessBackend} starting a real OpenAI-compatible
 * program from a template — here {@code kiban simulate} on {@code {port}}, as one would start llama-server or vLLM.
 */
class CommandRuntimeIT extends BackendContract {

    /** {@code kiban simulate} as a command template, on this JVM's class path. */
    static String simulatorTemplate() {
        String java = ProcessHandle.current().info().command().orElseThrow();
        return java + " -Xmx64m -XX:TieredStopAtLevel=1 -cp " + System.getProperty("java.class.path")
                + " io.kiban.bench.sim.SimulatorMain --port {port} --model {name} --replica-id {replica}";
    }

    static DeploymentSpec command(String name, String template) {
        return new DeploymentSpec(name, DeploymentSpec.COMMAND, null, template, "/health", List.of(), null,
                ModelOptions.DEFAULTS, ScalingSpec.of(0, 2, 4), BalancingPolicy.LEAST_OUTSTANDING, HoldSpec.DEFAULTS,
                DeploymentSpec.ORIGIN_API);
    }

    @Override
    protected Backend newBackend() throws Exception {
        Path root = Files.createTempDirectory("command-runtime-it");
        return new ProcessBackend(ProcessBackendIT.config(root));
    }

    @Override
    protected DeploymentSpec servingSpec() {
        return command("sim", simulatorTemplate());
    }

    @Override
    protected DeploymentSpec failingSpec() {
        return command("nothing", "/nonexistent/llama-server --port {port}");
    }
}
