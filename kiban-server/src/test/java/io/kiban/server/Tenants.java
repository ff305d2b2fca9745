package io.kiban.server;

import io.kiban.store.Database;
import io.kiban.store.keys.ApiKey;
import io.kiban.store.keys.ApiKeyRepository;
import io.kiban.store.keys.KeyCache;
import io.kiban.store.keys.KeySecrets;
import io.kiban.store.keys.KeySettings;
import io.kiban.store.keys.KeyState;
import io.kiban.store.tenancy.Project;
import io.kiban.store.tenancy.ProjectMember;
import io.kiban.store.tenancy.ProjectRepository;
import io.kiban.store.tenancy.ProjectRole;
import io.kiban.store.tenancy.Role;
import io.kiban.store.tenancy.User;
import io.kiban.store.tenancy.UserRepository;
import java.time.Instant;

/**
 * Users, projects and keys for tests, made directly through the store's repositories and applied to the running
 * server's key cache (until the tenancy API exists; then tests can use it instead).
 */
public final class Tenants {
    private final TestServer server;

    public Tenants(TestServer server) {
        this.server = server;
    }

    /** A new active user; returns the id. */
    public String user(String name, Role role) {
        Instant now = Instant.now();
        String id = Ids.next("usr_");
        server.bean(UserRepository.class).insert(new User(id, name, name + "-" + id + "@example.ac.jp", role, true,
                now, now));
        return id;
    }

    /** A new project with the user as member; returns the id. */
    public String project(String name, String memberUserId) {
        var projects = new ProjectRepository(server.bean(Database.class));
        String id = Ids.next("prj_");
        projects.insert(new Project(id, name + "-" + id, null, Instant.now()));
        projects.putMember(new ProjectMember(id, memberUserId, ProjectRole.MEMBER, Instant.now()));
        return id;
    }

    /** A new key of the user with these settings, effective on the server at once; returns the secret. */
    public Key key(String userId, KeySettings settings) {
        KeySecrets.NewSecret secret = new KeySecrets().generate();
        String id = Ids.next("key_");
        KeyState state = server.bean(ApiKeyRepository.class).insert(ApiKey.create(id, userId, secret, settings,
                Instant.now()));
        server.bean(KeyCache.class).apply(state);
        return new Key(id, secret.secret());
    }

    public Key key(String userId) {
        return key(userId, KeySettings.named("test"));
    }

    public record Key(String id, String secret) {}
}
