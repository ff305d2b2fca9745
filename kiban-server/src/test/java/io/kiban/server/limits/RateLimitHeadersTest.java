package io.kiban.server.limits;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RateLimitHeadersTest {

    @ParameterizedTest
    @CsvSource({
        "0, 0s",
        "1, 1ms",
        "17000000, 17ms",
        "999000000, 999ms",
        "1000000000, 1s",
        "1500000000, 1.5s",
        "6000000000, 6s",
        "360000000000, 6m0s",
        "3723000000000, 1h2m3s",
        "86400000000000, 24h0m0s",
    })
    void resets_are_written_like_go_durations_as_openai_does(long nanos, String expected) {
        assertThat(RateLimitHeaders.duration(nanos)).isEqualTo(expected);
    }
}
