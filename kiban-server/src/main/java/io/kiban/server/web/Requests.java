package io.kiban.server.web;

import io.kiban.gateway.Credentials;
import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.gateway.spi.Authenticator;
import io.kiban.gateway.spi.Principal;
import jakarta.servlet.http.HttpServletRequest;

/** Helpers for the MVC handlers. */
public final class Requests {
    private Requests() {}

    /** Authenticates like the gateway does: keys in the query string are refused, then the Bearer key is checked. */
    public static Principal principal(Authenticator auth, HttpServletRequest req) {
        Credentials.rejectInQuery(req.getQueryString());
        return auth.authenticate(req.getHeader("Authorization"), req.getRemoteAddr());
    }

    /** The caller, who must be an administrator (403 otherwise). */
    public static Principal admin(Authenticator auth, HttpServletRequest req) {
        Principal p = principal(auth, req);
        if (!p.admin()) {
            throw new ApiException(new ApiError.PermissionDenied("This route is for administrators; your key belongs "
                    + "to a user without the admin role.", "admin_only"));
        }
        return p;
    }

    static boolean loopback(HttpServletRequest req) {
        String ip = req.getRemoteAddr();
        return ip.equals("127.0.0.1") || ip.equals("0:0:0:0:0:0:0:1") || ip.equals("::1");
    }
}
