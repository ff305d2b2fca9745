package io.kiban.server;

import io.kiban.api.Json;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import tools.jackson.databind.JsonNode;

/** A plain HTTP client for the admin API in tests: any method, an optional key and JSON body, the raw answer. */
final class JsonHttp {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    /** A response: status, raw body, and the body parsed when it is JSON. */
    record Answer(int status, String body, java.net.http.HttpHeaders headers) {
        JsonNode json() {
            return Json.MAPPER.readTree(body);
        }

        JsonNode error() {
            return json().path("error");
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }

    private final String root;

    JsonHttp(String root) {
        this.root = root;
    }

    Answer get(String path, String key) {
        return send("GET", path, key, null);
    }

    Answer post(String path, String key, String json) {
        return send("POST", path, key, json);
    }

    Answer patch(String path, String key, String json) {
        return send("PATCH", path, key, json);
    }

    Answer delete(String path, String key) {
        return send("DELETE", path, key, null);
    }

    Answer send(String method, String path, String key, String json) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(root + path)).timeout(Duration.ofSeconds(30));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        try {
            HttpResponse<String> r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.body(), r.headers());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
