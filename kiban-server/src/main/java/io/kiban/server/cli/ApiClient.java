package io.kiban.server.cli;

import io.kiban.api.Json;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import tools.jackson.databind.JsonNode;

/**
 * A small client for the server's REST API, used by the CLI commands. Errors come back as {@link CliException}
 * carrying the server's own message, so the CLI prints what the API would have said.
 */
public final class ApiClient {
    private final RemoteOptions remote;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    public ApiClient(RemoteOptions remote) {
        this.remote = remote;
    }

    /** A failure to show the user, with the process exit code. */
    public static final class CliException extends RuntimeException {
        final int exitCode;

        CliException(String message, int exitCode) {
            super(message, null, false, false);
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }
    }

    public JsonNode get(String path) {
        return send("GET", path, null);
    }

    public JsonNode post(String path, Object body) {
        return send("POST", path, body);
    }

    public JsonNode put(String path, Object body) {
        return send("PUT", path, body);
    }

    public JsonNode patch(String path, Object body) {
        return send("PATCH", path, body);
    }

    public JsonNode delete(String path) {
        return send("DELETE", path, null);
    }

    /** Streams a GET response body (such as an export) to standard output. */
    public void download(String path) {
        HttpRequest req = request("GET", path, null);
        try {
            HttpResponse<java.io.InputStream> r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
            if (r.statusCode() >= 400) {
                throw error(r.statusCode(), new String(r.body().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8));
            }
            try (var in = r.body()) {
                in.transferTo(System.out);
            }
            System.out.flush();
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted", 130);
        }
    }

    private JsonNode send(String method, String path, Object body) {
        HttpRequest req = request(method, path, body);
        try {
            HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() >= 400) {
                throw error(r.statusCode(), r.body());
            }
            return r.body().isEmpty() ? Json.MAPPER.nullNode() : Json.MAPPER.readTree(r.body());
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted", 130);
        }
    }

    private HttpRequest request(String method, String path, Object body) {
        String key = remote.key();
        if (key == null || key.isBlank()) {
            throw new CliException("No API key: set KIBAN_KEY (or KIBAN_ADMIN_KEY), or pass --key.", 2);
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(remote.url() + path)).timeout(Duration.ofMinutes(5))
                .header("Authorization", "Bearer " + key);
        if (body != null) {
            b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofByteArray(Json.write(body)));
        } else {
            b.method(method, HttpRequest.BodyPublishers.noBody());
        }
        return b.build();
    }

    private CliException unreachable(IOException e) {
        String why = e instanceof ConnectException ? "nothing is listening there" : e.getMessage();
        return new CliException("Cannot reach the Kiban server at " + remote.url() + " (" + why
                + "). Is 'kiban serve' running? Set --url or KIBAN_URL.", 3);
    }

    private static CliException error(int status, String body) {
        String message = body;
        try {
            JsonNode e = Json.MAPPER.readTree(body).path("error");
            if (e.isObject()) {
                message = e.path("message").asString(body);
            }
        } catch (RuntimeException notJson) {
            // Show the body as it is.
        }
        return new CliException("Error " + status + ": " + message, status == 401 || status == 403 ? 4 : 1);
    }
}
