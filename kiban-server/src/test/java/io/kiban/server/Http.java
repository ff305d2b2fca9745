package io.kiban.server;

import io.kiban.api.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import tools.jackson.databind.JsonNode;

/** Plain HTTP calls to a test server, for routes and headers the OpenAI SDK does not cover. */
public final class Http {
    static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    private final String root;

    /** @param port the server's port; paths are absolute ({@code /api/v1/…}, {@code /v1/…}) */
    public Http(int port) {
        this.root = "http://127.0.0.1:" + port;
    }

    public HttpResponse<String> get(String path, String key) throws Exception {
        return send(builder(path, key).GET().build());
    }

    public HttpResponse<String> delete(String path, String key) throws Exception {
        return send(builder(path, key).DELETE().build());
    }

    public HttpResponse<String> post(String path, String key, String json) throws Exception {
        return send(builder(path, key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    public HttpResponse<String> put(String path, String key, String json) throws Exception {
        return send(builder(path, key).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    public JsonNode json(HttpResponse<String> r) {
        return Json.MAPPER.readTree(r.body());
    }

    /** GET that must answer 200; the body as JSON. */
    public JsonNode getJson(String path, String key) throws Exception {
        HttpResponse<String> r = get(path, key);
        if (r.statusCode() != 200) {
            throw new AssertionError("GET " + path + " answered " + r.statusCode() + ": " + r.body());
        }
        return json(r);
    }

    public HttpRequest.Builder builder(String path, String key) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(root + path)).timeout(Duration.ofSeconds(60));
        return key == null ? b : b.header("Authorization", "Bearer " + key);
    }

    public HttpResponse<String> send(HttpRequest request) throws Exception {
        return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
