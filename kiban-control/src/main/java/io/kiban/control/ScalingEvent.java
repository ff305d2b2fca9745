package io.kiban.control;

/**
 * One autoscaler decision that changed a deployment's desired replicas, as {@code GET /api/v1/deployments/{name}}
 * shows it.
 *
 * @param atEpochMillis when it was made
 * @param from the desired replicas before
 * @param to the desired replicas after
 * @param reason the decider's sentence, e.g. {@code "1 request waiting at 0 replicas → 1"}
 */
public record ScalingEvent(long atEpochMillis, int from, int to, String reason) {}
