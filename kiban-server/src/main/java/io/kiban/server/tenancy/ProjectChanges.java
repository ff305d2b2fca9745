package io.kiban.server.tenancy;

/** A partial update of a project: a null name stays; the description may be cleared. */
public record ProjectChanges(String name, Change<String> description) {}
