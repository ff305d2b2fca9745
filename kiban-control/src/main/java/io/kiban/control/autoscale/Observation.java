package io.kiban.control.autoscale;

/**
 * What the autoscaler loop saw of one deployment at one decision tick.
 *
 * <p>Concurrency is the deployment's in-flight plus waiting (held) requests, averaged over time by a
 * {@link ConcurrencyWindow}; it counts requests held by the gateway while no replica has room, so demand stays visible
 * at zero replicas.
 *
 * @param readyReplicas replicas that pass readiness now
 * @param desiredReplicas the replica count last asked of the backend (ready or still starting)
 * @param stableConcurrency average concurrency over the stable window
 * @param panicConcurrency average concurrency over the panic window
 * @param waitingRequests requests held right now because no replica had room (at zero replicas: all of them)
 */
public record Observation(
        int readyReplicas, int desiredReplicas, double stableConcurrency, double panicConcurrency,
        int waitingRequests) {

    public Observation {
        if (readyReplicas < 0 || desiredReplicas < 0 || waitingRequests < 0) {
            throw new IllegalArgumentException("replica and request counts must be >= 0: " + readyReplicas + ", "
                    + desiredReplicas + ", " + waitingRequests);
        }
        if (!(stableConcurrency >= 0) || !(panicConcurrency >= 0)
                || Double.isInfinite(stableConcurrency) || Double.isInfinite(panicConcurrency)) {
            throw new IllegalArgumentException(
                    "concurrency must be a finite number >= 0: " + stableConcurrency + ", " + panicConcurrency);
        }
    }
}
