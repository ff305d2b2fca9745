package io.kiban.bench.client;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/**
 * Where requests go: an OpenAI base URL ({@code http://127.0.0.1:8080/v1}), an optional API key sent as
 * {@code Authorization: Bearer …}, and extra headers.
 *
 * @param pathPrefix the base URL's path without a trailing slash ({@code /v1}), prepended to endpoint paths
 */
public record Target(String scheme, String host, int port, String pathPrefix, String apiKey, List<String[]> headers) {

    public static Target parse(String baseUrl, String apiKey, List<String> extraHeaders) {
        URI u = URI.create(baseUrl.trim());
        String scheme = u.getScheme() == null ? "http" : u.getScheme().toLowerCase();
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("The URL must start with http:// or https:// (got " + baseUrl + ").");
        }
        if (u.getHost() == null) {
            throw new IllegalArgumentException("The URL has no host: " + baseUrl);
        }
        int port = u.getPort() > 0 ? u.getPort() : scheme.equals("https") ? 443 : 80;
        String path = u.getRawPath() == null ? "" : u.getRawPath();
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        List<String[]> hs = new ArrayList<>();
        for (String h : extraHeaders) {
            int c = h.indexOf(':');
            if (c <= 0) {
                throw new IllegalArgumentException("A header must look like 'Name: value' (got '" + h + "').");
            }
            hs.add(new String[] {h.substring(0, c).trim(), h.substring(c + 1).trim()});
        }
        return new Target(scheme, u.getHost(), port, path, apiKey == null || apiKey.isBlank() ? null : apiKey, List.copyOf(hs));
    }

    public boolean tls() {
        return scheme.equals("https");
    }

    /** The Host header value. */
    public String authority() {
        boolean defaultPort = (port == 80 && !tls()) || (port == 443 && tls());
        String h = host.contains(":") ? "[" + host + "]" : host;
        return defaultPort ? h : h + ":" + port;
    }

    public URI uri(String endpointPath) {
        return URI.create(scheme + "://" + authority() + pathPrefix + endpointPath);
    }

    @Override
    public String toString() {
        return scheme + "://" + authority() + pathPrefix;
    }
}
