package io.kiban.server.tenancy;

/** What an administrator may set when creating a project. */
public record NewProject(String name, String description) {}
