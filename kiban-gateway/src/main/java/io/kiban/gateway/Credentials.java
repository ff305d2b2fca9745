package io.kiban.gateway;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;

/** Rules for where credentials may travel. */
final class Credentials {
    private Credentials() {}

    /** Keys in the query string end up in access logs and browser history: refuse them. */
    static void rejectInQuery(String query) {
        if (query == null) {
            return;
        }
        for (String part : query.split("&")) {
            String name = part.split("=", 2)[0].toLowerCase(java.util.Locale.ROOT);
            if (name.equals("key") || name.equals("api_key") || name.equals("api-key") || name.equals("apikey")
                    || name.equals("access_token") || name.equals("token")) {
                throw new ApiException(new ApiError.InvalidRequest("API keys must not be sent in the URL (they end up "
                        + "in logs); send them in the header 'Authorization: Bearer <key>' and revoke the exposed key.",
                        name, "credentials_in_query_not_allowed"));
            }
        }
    }
}
