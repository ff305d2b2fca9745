package io.kiban.server.web;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.store.tenancy.ProjectRole;
import io.kiban.store.tenancy.Role;

/** Enumerations as the API spells them, with 400s that list the valid values. */
final class Wire {
    private Wire() {}

    static Role role(String value) {
        if (value == null) {
            return null;
        }
        return switch (value) {
            case "admin" -> Role.ADMIN;
            case "user" -> Role.USER;
            default -> throw new ApiException(ApiError.invalidParam("role", "'role' must be 'admin' or 'user'."));
        };
    }

    static java.time.Instant epochSeconds(String param, Long value) {
        if (value == null) {
            return null;
        }
        if (value < 0 || value > 253402300799L) {
            throw new ApiException(ApiError.invalidParam(param, "'" + param + "' must be Unix seconds."));
        }
        return java.time.Instant.ofEpochSecond(value);
    }

    static ProjectRole projectRole(String value) {
        if (value == null) {
            return null;
        }
        return switch (value) {
            case "manager" -> ProjectRole.MANAGER;
            case "member" -> ProjectRole.MEMBER;
            default -> throw new ApiException(ApiError.invalidParam("role", "'role' must be 'manager' or 'member'."));
        };
    }
}
