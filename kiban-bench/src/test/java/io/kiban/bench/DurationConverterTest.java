package io.kiban.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationConverterTest {
    @Test
    void parses_common_units() {
        assertThat(DurationConverter.parse("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(DurationConverter.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(DurationConverter.parse("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(DurationConverter.parse("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(DurationConverter.parse("1.5")).isEqualTo(Duration.ofMillis(1500));
        assertThatThrownBy(() -> DurationConverter.parse("soon")).hasMessageContaining("not a duration");
        assertThatThrownBy(() -> DurationConverter.parse("-1s")).hasMessageContaining("not a duration");
    }
}
