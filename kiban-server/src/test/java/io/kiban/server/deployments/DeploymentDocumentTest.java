package io.kiban.server.deployments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiban.api.Json;
import io.kiban.control.DeploymentSpec;
import io.kiban.control.balance.BalancingPolicy;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

class DeploymentDocumentTest {
    static final Duration HOLD = Duration.ofSeconds(60);

    static DeploymentSpec read(String json) {
        return DeploymentDocument.read(Json.MAPPER.readTree(json), DeploymentSpec.ORIGIN_API, HOLD);
    }

    @Test
    void absent_fields_take_their_defaults_and_the_runtime_follows_the_source() {
        DeploymentSpec s = read("{\"name\":\"m\",\"model\":\"/m.gguf\",\"resources\":{\"parallel\":3}}");

        assertThat(s.runtime()).isEqualTo("builtin");
        assertThat(s.minReplicas()).isEqualTo(1);
        assertThat(s.maxReplicas()).isEqualTo(1);
        assertThat(s.targetConcurrency()).isEqualTo(3.0);
        assertThat(s.hold().timeout()).isEqualTo(HOLD);
        assertThat(s.scaling().stableWindow()).isEqualTo(Duration.ofSeconds(60));
        assertThat(read("{\"name\":\"m\",\"command\":\"srv --port {port}\"}").runtime()).isEqualTo("command");
        assertThat(read("{\"name\":\"m\",\"urls\":[\"http://a:1/v1\",\"http://b:1/v1\"]}").maxReplicas()).isEqualTo(2);
    }

    @Test
    void a_written_document_reads_back_as_the_same_spec() {
        DeploymentSpec s = read("{\"name\":\"m\",\"model\":\"/m.gguf\",\"min_replicas\":0,\"max_replicas\":3,"
                + "\"balancing\":\"prefix-affinity\",\"scale_down_delay_seconds\":1.5,\"embeddings\":true,"
                + "\"resources\":{\"threads\":2,\"context_size\":512},\"autoscaling\":{\"panic_window_seconds\":0.5},"
                + "\"hold\":{\"max_waiting\":3,\"timeout_seconds\":9}}");

        JsonNode doc = DeploymentDocument.write(s, true);

        assertThat(DeploymentDocument.read(doc, DeploymentSpec.ORIGIN_API, Duration.ofSeconds(1))).isEqualTo(s);
        assertThat(s.balancing()).isEqualTo(BalancingPolicy.PREFIX_AFFINITY);
        assertThat(s.scaling().panicWindow()).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void the_api_key_is_stored_but_never_shown() {
        DeploymentSpec s = read("{\"name\":\"m\",\"urls\":[\"http://a:1/v1\"],\"api_key\":\"sk-secret\"}");

        assertThat(DeploymentDocument.write(s, true).toString()).contains("sk-secret");
        assertThat(DeploymentDocument.write(s, false).toString()).doesNotContain("sk-secret");
    }

    @Test
    void a_merge_patch_changes_named_fields_merges_objects_and_null_restores_a_default() {
        JsonNode base = DeploymentDocument.write(read("{\"name\":\"m\",\"model\":\"/m.gguf\",\"max_replicas\":4,"
                + "\"hold\":{\"max_waiting\":3,\"timeout_seconds\":9}}"), true);

        DeploymentSpec patched = DeploymentDocument.read(DeploymentDocument.merge((tools.jackson.databind.node.ObjectNode) base,
                Json.MAPPER.readTree("{\"min_replicas\":0,\"hold\":{\"max_waiting\":null}}")), DeploymentSpec.ORIGIN_API, HOLD);

        assertThat(patched.minReplicas()).isZero();
        assertThat(patched.maxReplicas()).isEqualTo(4);
        assertThat(patched.hold().timeout()).isEqualTo(Duration.ofSeconds(9));
        assertThat(patched.hold().maxWaiting()).isEqualTo(512);
    }

    @Test
    void errors_name_the_field_in_the_documents_spelling() {
        assertThatThrownBy(() -> read("{\"name\":\"m\",\"model\":\"/m.gguf\",\"autoscaling\":{\"panic_window_seconds\":90}}"))
                .isInstanceOfSatisfying(DeploymentDocument.Invalid.class, e -> {
                    assertThat(e.field()).isEqualTo("autoscaling");
                    assertThat(e.getMessage()).contains("autoscaling.panic_window_seconds").doesNotContain("panicWindow");
                });
        assertThatThrownBy(() -> read("{\"name\":\"m\",\"model\":\"/m.gguf\",\"target_concurrency\":\"four\"}"))
                .isInstanceOfSatisfying(DeploymentDocument.Invalid.class,
                        e -> assertThat(e.field()).isEqualTo("target_concurrency"));
        assertThatThrownBy(() -> read("{\"model\":\"/m.gguf\"}"))
                .isInstanceOfSatisfying(DeploymentDocument.Invalid.class, e -> assertThat(e.field()).isEqualTo("name"));
    }
}
