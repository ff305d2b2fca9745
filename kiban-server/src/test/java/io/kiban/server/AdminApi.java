package io.kiban.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import tools.jackson.databind.JsonNode;

/** Test fixtures made through the admin API itself: users and keys, with the administrator's key. */
final class AdminApi {
    /** A key as created: its id, the secret shown once, and the whole response. */
    record Issued(String id, String secret, JsonNode json) {}

    final JsonHttp http;
    final String adminKey;

    AdminApi(JsonHttp http, String adminKey) {
        this.http = http;
        this.adminKey = adminKey;
    }

    /** A new active user with a unique email; returns the id. */
    String user(String name) {
        JsonHttp.Answer a = http.post("/api/v1/users", adminKey,
                "{\"name\":\"" + name + "\",\"email\":\"" + name + "-" + UUID.randomUUID() + "@example.ac.jp\"}");
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        return a.json().path("id").asString();
    }

    /** A key for a user, made by the administrator, with extra JSON fields (may be empty). */
    Issued key(String userId, String extraFields) {
        String body = "{\"user_id\":\"" + userId + "\",\"name\":\"test key\"" + (extraFields.isEmpty() ? "" : "," + extraFields) + "}";
        return create(adminKey, body);
    }

    /** A key created with {@code actingKey}; fails the test unless it was created. */
    Issued create(String actingKey, String body) {
        JsonHttp.Answer a = http.post("/api/v1/keys", actingKey, body);
        assertThat(a.status()).as(a.body()).isEqualTo(200);
        JsonNode j = a.json();
        return new Issued(j.path("id").asString(), j.path("secret").asString(), j);
    }
}
