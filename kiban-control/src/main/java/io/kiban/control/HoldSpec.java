package io.kiban.control;

import java.time.Duration;
import java.util.Objects;

/**
 * How a deployment holds requests that find no ready replica with a free slot (at zero replicas, while replicas
 * start, or when every replica is full): at most {@code maxWaiting} wait, each for at most {@code timeout}.
 *
 * @param maxWaiting requests that may wait at once; the next one gets 429 at once
 * @param timeout how long one request may wait before it gets 503 ({@code model_starting}) or 429 (every replica
 *     busy); at most {@link #MAX_TIMEOUT}
 */
public record HoldSpec(int maxWaiting, Duration timeout) {

    /** The longest hold a deployment may ask for; the gateway's own deadline is set to this. */
    public static final Duration MAX_TIMEOUT = Duration.ofMinutes(15);

    public static final HoldSpec DEFAULTS = new HoldSpec(512, Duration.ofSeconds(60));

    public HoldSpec {
        Objects.requireNonNull(timeout, "timeout");
        if (maxWaiting < 0 || maxWaiting > 100_000) {
            throw new IllegalArgumentException("hold.max_waiting must be between 0 and 100000, got " + maxWaiting);
        }
        if (timeout.isNegative() || timeout.compareTo(MAX_TIMEOUT) > 0) {
            throw new IllegalArgumentException("hold.timeout must be between 0 s and " + MAX_TIMEOUT.toMinutes()
                    + " min, got " + timeout.toSeconds() + " s");
        }
    }

    public HoldSpec withTimeout(Duration t) {
        return new HoldSpec(maxWaiting, t);
    }
}
