package io.kiban.server.tenancy;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;

/**
 * The errors of the tenancy API, worded once. "Not found" messages never name the id asked for, so another user's
 * object and a missing one answer with byte-identical bodies.
 */
public final class Problems {
    private Problems() {}

    public static ApiException notFound(String what, String param) {
        return new ApiException(new ApiError.NotFound("No such " + what + ", or it is not yours to see.", param,
                "not_found"));
    }

    public static ApiException adminOnly(String action) {
        return new ApiException(new ApiError.PermissionDenied("Only administrators can " + action + ".", "admin_only"));
    }

    public static ApiException forbidden(String message, String code) {
        return new ApiException(new ApiError.PermissionDenied(message, code));
    }

    public static ApiException invalid(String param, String message) {
        return new ApiException(ApiError.invalidParam(param, message));
    }

    public static ApiException missing(String param) {
        return new ApiException(ApiError.missingParam(param, "The field '" + param + "' is required."));
    }

    public static ApiException conflict(String param, String message, String code) {
        return new ApiException(new ApiError.Conflict(message, param, code));
    }
}
