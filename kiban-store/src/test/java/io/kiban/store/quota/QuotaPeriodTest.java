package io.kiban.store.quota;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class QuotaPeriodTest {
    @ParameterizedTest(name = "{0} {1} in {2}: [{3}, {4})")
    @CsvSource({
        "DAY,   2026-11-22T14:59:59Z, Asia/Tokyo, 2026-11-21T15:00:00Z, 2026-11-22T15:00:00Z",
        "DAY,   2026-11-22T15:00:00Z, Asia/Tokyo, 2026-11-22T15:00:00Z, 2026-11-23T15:00:00Z",
        "DAY,   2026-11-22T23:59:59Z, UTC,        2026-11-22T00:00:00Z, 2026-11-23T00:00:00Z",
        "MONTH, 2026-11-30T15:00:00Z, Asia/Tokyo, 2026-11-30T15:00:00Z, 2026-12-31T15:00:00Z",
        "MONTH, 2026-12-31T12:00:00Z, UTC,        2026-12-01T00:00:00Z, 2027-01-01T00:00:00Z",
        "MONTH, 2028-02-29T12:00:00Z, UTC,        2028-02-01T00:00:00Z, 2028-03-01T00:00:00Z",
        // a 23-hour day: Berlin moves its clocks forward on 2027-03-28
        "DAY,   2027-03-28T12:00:00Z, Europe/Berlin, 2027-03-27T23:00:00Z, 2027-03-28T22:00:00Z",
    })
    void windows_follow_the_calendar_of_the_configured_zone(QuotaPeriod period, Instant now, String zone,
            Instant start, Instant reset) {
        assertThat(period.start(now, ZoneId.of(zone))).isEqualTo(start);
        assertThat(period.resetAt(now, ZoneId.of(zone))).isEqualTo(reset);
    }

    @ParameterizedTest
    @CsvSource({"DAY", "MONTH"})
    void the_reset_of_one_window_is_the_start_of_the_next(QuotaPeriod period) {
        Instant now = Instant.parse("2026-11-22T10:00:00Z");
        Instant reset = period.resetAt(now, ZoneOffset.UTC);

        assertThat(period.start(reset, ZoneOffset.UTC)).isEqualTo(reset);
        assertThat(period.start(reset.minusNanos(1), ZoneOffset.UTC)).isEqualTo(period.start(now, ZoneOffset.UTC));
    }
}
