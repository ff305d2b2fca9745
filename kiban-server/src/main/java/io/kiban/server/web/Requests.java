package io.kiban.server.web;

import io.kiban.gateway.spi.Authenticator;
import io.kiban.gateway.spi.Principal;
import jakarta.servlet.http.HttpServletRequest;

/** Helpers for the MVC handlers. */
final class Requests {
    private Requests() {}

    static Principal principal(Authenticator auth, HttpServletRequest req) {
        return auth.authenticate(req.getHeader("Authorization"), req.getRemoteAddr());
    }

    static boolean loopback(HttpServletRequest req) {
        String ip = req.getRemoteAddr();
        return ip.equals("127.0.0.1") || ip.equals("0:0:0:0:0:0:0:1") || ip.equals("::1");
    }
}
