package io.kiban.control;

/** Where a ready replica answers, and the credential it expects. */
public record ReplicaEndpoint(String replicaId, String host, int port, String basePath, String authorization) {}
