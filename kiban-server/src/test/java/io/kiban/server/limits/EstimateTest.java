package io.kiban.server.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.gateway.spi.Limiter;
import java.time.Clock;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class EstimateTest {
    final GatewayLimiter limiter = new GatewayLimiter(null, Clock.systemUTC(), ZoneOffset.UTC,
            model -> model.equals("small") ? 512 : 0);

    @Test
    void the_estimate_is_a_quarter_of_the_body_plus_the_output_budget_of_every_choice() {
        assertThat(limiter.estimate(new Limiter.Demand("m", "chat", 400, 100, 1))).isEqualTo(200);
        assertThat(limiter.estimate(new Limiter.Demand("m", "chat", 401, 100, 3))).isEqualTo(101 + 300);
        assertThat(limiter.estimate(new Limiter.Demand("m", "embedding", 40, 0, 1))).isEqualTo(10);
    }

    @Test
    void without_max_tokens_the_output_may_fill_the_context_window() {
        assertThat(limiter.estimate(new Limiter.Demand("small", "chat", 400, -1, 1))).isEqualTo(512);
        assertThat(limiter.estimate(new Limiter.Demand("unknown", "chat", 400, -1, 1)))
                .isEqualTo(GatewayLimiter.UNKNOWN_CONTEXT);
    }
}
