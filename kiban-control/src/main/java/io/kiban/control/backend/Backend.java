package io.kiban.control.backend;

import io.kiban.control.DeploymentSpec;

/**
 * Runs replicas somewhere: local processes, fixed external endpoints, later Kubernetes. Starting returns at once;
 * the supervisor watches the handle for an endpoint and probes it for readiness.
 */
public interface Backend {

    /** The runtime names this backend serves, such as {@code builtin} or {@code external}. */
    boolean supports(String runtime);

    ReplicaHandle start(DeploymentSpec spec, String replicaId, int ordinal) throws BackendException;
}
