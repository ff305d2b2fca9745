package io.kiban.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.store.audit.AuditEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class AuthFailureAuditorTest {
    /** A clock the test moves by hand. */
    static final class StepClock extends Clock {
        Instant now = Instant.parse("2026-11-22T00:00:00Z");

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    final List<AuditEvent> written = new ArrayList<>();
    final StepClock clock = new StepClock();
    final AuthFailureAuditor auditor = new AuthFailureAuditor(written::add, clock, Duration.ofMinutes(1), 3);

    @Test
    void the_first_failure_is_written_at_once_and_the_rest_of_the_window_as_one_summary() {
        for (int i = 0; i < 10_000; i++) {
            auditor.failed("invalid_api_key", null, null, "203.0.113.9");
        }
        assertThat(written).hasSize(1);
        assertThat(written.getFirst().action()).isEqualTo("auth.failed");
        assertThat(written.getFirst().clientIp()).isEqualTo("203.0.113.9");
        assertThat(auditor.flush()).isZero(); // the window is still open
        clock.now = clock.now.plusSeconds(60);
        assertThat(auditor.flush()).isOne();
        assertThat(written.get(1).detail()).containsEntry("count", "9999").containsEntry("reason", "invalid_api_key");
        assertThat(auditor.trackedGroups()).isZero();
    }

    @Test
    void a_failure_after_an_unflushed_window_writes_that_windows_summary_first() {
        auditor.failed("invalid_api_key", null, null, "203.0.113.9");
        auditor.failed("invalid_api_key", null, null, "203.0.113.9");
        clock.now = clock.now.plusSeconds(61);
        auditor.failed("invalid_api_key", null, null, "203.0.113.9");
        assertThat(written).extracting(e -> e.detail().get("count")).containsExactly(null, "1", null);
    }

    @Test
    void known_keys_are_named_by_id_and_groups_beyond_the_limit_share_one_overflow_group() {
        auditor.failed("expired_api_key", "key_1", "usr_1", "198.51.100.1");
        assertThat(written.getFirst().targetId()).isEqualTo("key_1");
        assertThat(written.getFirst().detail()).containsEntry("user_id", "usr_1");
        for (int i = 0; i < 1000; i++) {
            auditor.failed("invalid_api_key", null, null, "2001:db8::" + Integer.toHexString(i));
        }
        // 3 groups tracked at most: key_1, two addresses, then everything else pooled under "*"
        assertThat(auditor.trackedGroups()).isLessThanOrEqualTo(4);
        assertThat(written).hasSizeLessThanOrEqualTo(4);
        assertThat(written).anySatisfy(e -> assertThat(e.clientIp()).isEqualTo("*"));
    }

    @Test
    void closing_writes_the_summaries_of_open_windows() {
        auditor.failed("network_not_allowed", "key_2", "usr_2", "192.0.2.1");
        auditor.failed("network_not_allowed", "key_2", "usr_2", "192.0.2.1");
        auditor.close();
        assertThat(written).hasSize(2);
        assertThat(written.get(1).detail()).containsEntry("count", "1");
    }
}
