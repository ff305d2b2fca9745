package io.kiban.server;

import java.time.Duration;

/**
 * The control plane's settings of {@code kiban serve}.
 *
 * @param warmPool idle standby workers to keep ({@code --warm-pool}); {@link #AUTO} keeps one while some builtin
 *     deployment can scale up from its minimum, none otherwise
 * @param keepReplicas on shutdown, leave replicas running for the next server on this data directory to adopt
 *     ({@code --keep-replicas}); by default they are stopped
 * @param preload read the model files of deployments at zero replicas into the page cache ({@code --preload})
 * @param autoscalerTick how often the autoscaler decides for every deployment
 */
public record ControlOptions(int warmPool, boolean keepReplicas, boolean preload, Duration autoscalerTick) {

    /** {@link #warmPool} value that sizes the pool from the deployments. */
    public static final int AUTO = -1;

    public static ControlOptions defaults() {
        return new ControlOptions(AUTO, false, true, Duration.ofSeconds(2));
    }

    public ControlOptions withWarmPool(int n) {
        return new ControlOptions(n, keepReplicas, preload, autoscalerTick);
    }

    public ControlOptions withKeepReplicas(boolean keep) {
        return new ControlOptions(warmPool, keep, preload, autoscalerTick);
    }
}
