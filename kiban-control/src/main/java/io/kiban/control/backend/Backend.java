package io.kiban.control.backend;

import io.kiban.control.DeploymentSpec;
import java.util.List;

/**
 * Runs replicas somewhere: local processes, fixed external endpoints, later Kubernetes. Starting returns at once;
 * the supervisor watches the handle for an endpoint and probes it for readiness.
 *
 * <p>Contract (checked for every implementation by {@code BackendContract}): a started replica gets an endpoint
 * that passes its readiness probe and serves the OpenAI API; {@link ReplicaHandle#stop} ends it, its
 * {@link ReplicaHandle#exited()} completes, and a second stop does nothing; a replica that cannot start is reported,
 * either by {@link #start} throwing or by {@code exited()} completing before it was ever ready.
 */
public interface Backend {

    /** The runtime names this backend serves, such as {@code builtin} or {@code external}. */
    boolean supports(String runtime);

    /**
     * Starts one replica.
     *
     * @param replicaId unique among all replicas this server ever started ({@code name-ordinal})
     * @param ordinal the replica's number within its deployment, from 0
     */
    ReplicaHandle start(DeploymentSpec spec, String replicaId, int ordinal) throws BackendException;

    /**
     * Replicas of this deployment that an earlier server started and that still run the same spec (equal
     * {@link DeploymentSpec#replicaHash()}): the new server takes them over instead of starting new ones. Called
     * once per deployment at start-up, before {@link #stopUnadopted()}.
     */
    default List<AdoptedReplica> adopt(DeploymentSpec spec) {
        return List.of();
    }

    /**
     * Stops what an earlier server started and no deployment adopted (a deployment removed or changed while the
     * server was down). Only processes this backend recorded starting are touched.
     */
    default void stopUnadopted() {}

    /** Releases what the backend holds besides replicas (a pool of idle workers). */
    default void close() {}

    /** A replica found running, with the id it was started under. */
    record AdoptedReplica(String replicaId, ReplicaHandle handle) {}
}
