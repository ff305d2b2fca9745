package io.kiban.control.autoscale;

import java.util.Objects;

/**
 * The outcome of one autoscaling decision: the replica count to ask for, the decider state to pass into the next
 * decision, and a sentence saying why.
 *
 * @param desiredReplicas replicas the deployment should have, within the spec's bounds
 * @param state the decider's state after this decision; pass it to the next {@link KpaDecider#decide} call
 * @param reason a human-readable sentence for the API's "recent scaling decisions", e.g. {@code "panic: 6 s
 *     concurrency 14.2 needs 15 replicas, 3.8× the 4 ready (threshold 2.0×) → 15"}
 */
public record ScaleDecision(int desiredReplicas, KpaState state, String reason) {

    public ScaleDecision {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(reason, "reason");
    }

    /** Whether the decider is in panic mode after this decision (it then never scales down). */
    public boolean panicking() {
        return state.panicking();
    }
}
