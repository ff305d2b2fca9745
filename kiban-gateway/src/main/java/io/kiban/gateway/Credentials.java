package io.kiban.gateway;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;

/** Rules for where credentials may travel. */
public final class Credentials {
    private Credentials() {}

    /** Keys in the query string end up in access logs and browser history: refuse them. */
    public static void rejectInQuery(String query) {
        if (query == null) {
            return;
        }
        for (String part : query.split("&")) {
            String name = decode(part.split("=", 2)[0]).toLowerCase(java.util.Locale.ROOT);
            if (name.equals("key") || name.equals("api_key") || name.equals("api-key") || name.equals("apikey")
                    || name.equals("access_token") || name.equals("token")) {
                throw new ApiException(new ApiError.InvalidRequest("API keys must not be sent in the URL (they end up "
                        + "in logs); send them in the header 'Authorization: Bearer <key>' and revoke the exposed key.",
                        name, "credentials_in_query_not_allowed"));
            }
        }
    }

    /** The name as servers read it: {@code api%5Fkey} is {@code api_key}. */
    private static String decode(String name) {
        if (name.indexOf('%') < 0) {
            return name;
        }
        try {
            return java.net.URLDecoder.decode(name, java.nio.charset.StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformed) {
            return name;
        }
    }
}
