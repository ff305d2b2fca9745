package io.kiban.control;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HealthProbeTest {

    @Test
    void slots_come_from_a_workers_health_and_any_other_answer_means_unknown() {
        assertThat(HealthProbe.slots("{\"status\":\"ok\",\"slots\":4}".getBytes(StandardCharsets.UTF_8))).isEqualTo(4);
        assertThat(HealthProbe.slots("{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8))).isZero(); // llama-server
        assertThat(HealthProbe.slots(new byte[0])).isZero(); // vLLM
        assertThat(HealthProbe.slots("OK".getBytes(StandardCharsets.UTF_8))).isZero();
        assertThat(HealthProbe.slots("{broken".getBytes(StandardCharsets.UTF_8))).isZero();
    }
}
