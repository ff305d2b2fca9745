package io.kiban.control.balance;

import java.util.List;
import java.util.Set;

/**
 * A rule that picks the replica for one request from a snapshot of the deployment's ready replicas.
 *
 * <p>Implementations are thread-safe and keep no per-request state: the gateway owns the in-flight counts and passes
 * a fresh snapshot each time, so a choice can never disagree with the counts it was made from. One instance serves
 * one deployment (an implementation may cache per replica set).
 *
 * <p>Contract (checked for every implementation by {@code BalancerContract}):
 *
 * <ul>
 *   <li>the result is the id of a candidate that is not excluded and {@linkplain Candidate#hasRoom() has room};
 *   <li>{@code null} when there is none, and the caller then holds the request until a slot frees up or a replica
 *       becomes ready;
 *   <li>the request body is only read, never kept.
 * </ul>
 */
public interface Balancer {

    /**
     * Chooses the replica for one request.
     *
     * @param candidates the deployment's ready replicas with their current load; not modified
     * @param requestBody the OpenAI JSON request body, or null when there is none (affinity rules then fall back to
     *     load alone)
     * @param exclude ids not to choose, e.g. replicas that already failed this request; may be null or empty
     * @return the chosen candidate's id, or null when every candidate is excluded or full
     */
    String choose(List<Candidate> candidates, byte[] requestBody, Set<String> exclude);
}
