package io.kiban.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiban.control.autoscale.ScalingSpec;
import io.kiban.control.balance.BalancingPolicy;
import io.kiban.control.model.ModelOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeploymentSpecTest {
    static final Path MODEL = Path.of("/models/m.gguf");

    static DeploymentSpec of(String runtime, Path model, String command, List<String> urls, ScalingSpec scaling) {
        return new DeploymentSpec("m", runtime, model, command, null, urls, null, ModelOptions.DEFAULTS, scaling,
                BalancingPolicy.LEAST_OUTSTANDING, HoldSpec.DEFAULTS, DeploymentSpec.ORIGIN_API);
    }

    @Test
    void replica_hash_changes_with_what_a_replica_runs_and_not_with_how_many_run() {
        DeploymentSpec base = DeploymentSpec.builtin("m", MODEL, ModelOptions.DEFAULTS);

        assertThat(base.withScaling(ScalingSpec.of(0, 5, 2)).withHold(new HoldSpec(3, Duration.ofSeconds(9)))
                .withBalancing(BalancingPolicy.PREFIX_AFFINITY).withOrigin(DeploymentSpec.ORIGIN_API).replicaHash())
                .isEqualTo(base.replicaHash());
        assertThat(DeploymentSpec.builtin("m", MODEL, ModelOptions.parse("threads=2")).replicaHash())
                .isNotEqualTo(base.replicaHash());
        assertThat(DeploymentSpec.builtin("m", Path.of("/models/other.gguf"), ModelOptions.DEFAULTS).replicaHash())
                .isNotEqualTo(base.replicaHash());
    }

    @Test
    void each_runtime_requires_its_own_fields_and_says_which() {
        ScalingSpec s = ScalingSpec.of(0, 2, 4);
        assertThatThrownBy(() -> of("builtin", null, null, List.of(), s)).hasMessageStartingWith("model:");
        assertThatThrownBy(() -> of("command", null, null, List.of(), s)).hasMessageStartingWith("command:");
        assertThatThrownBy(() -> of("command", null, "srv -m {model} --port {port}", List.of(), s))
                .hasMessageContaining("{model}");
        assertThatThrownBy(() -> of("command", MODEL, "srv -m {model}", List.of(), s)).hasMessageContaining("{port}");
        assertThatThrownBy(() -> of("external", null, null, List.of(), s)).hasMessageStartingWith("urls:");
        assertThatThrownBy(() -> of("external", null, null, List.of("ftp://x/v1"), ScalingSpec.of(1, 1, 4)))
                .hasMessageContaining("http://host:port/v1");
        assertThatThrownBy(() -> of("external", null, null, List.of("http://x/v1"), s))
                .hasMessageContaining("one replica per URL");
        assertThatThrownBy(() -> of("docker", MODEL, null, List.of(), s)).hasMessageContaining("builtin, command or external");
        assertThat(of("command", null, "vllm serve x --port {port}", List.of(), s).effectiveReadinessPath())
                .isEqualTo("/v1/models");
    }

    @Test
    void names_must_be_usable_in_urls_and_file_names() {
        assertThatThrownBy(() -> DeploymentSpec.builtin("../etc", MODEL, ModelOptions.DEFAULTS)).hasMessageStartingWith("name:");
        assertThat(DeploymentSpec.builtin("qwen2.5:7b-instruct", MODEL, ModelOptions.DEFAULTS).name()).isEqualTo("qwen2.5:7b-instruct");
    }

    @Test
    void hold_timeouts_are_bounded() {
        assertThatThrownBy(() -> new HoldSpec(10, Duration.ofHours(1))).hasMessageContaining("hold.timeout");
        assertThatThrownBy(() -> new HoldSpec(-1, Duration.ofSeconds(1))).hasMessageContaining("hold.max_waiting");
    }
}
