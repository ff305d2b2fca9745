package io.kiban.server.cli;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/**
 * {@code kiban keys …}: API keys on a running server. Users manage their own keys with their own key;
 * administrators name anyone with {@code --user}. Create and rotate print the secret once.
 */
@Command(name = "keys", mixinStandardHelpOptions = true, description = "Manage API keys on a running Kiban server.")
public final class KeysCommand implements Runnable {
    private static final String[] COLUMNS = {"id", "name", "prefix", "status", "user_id", "expires_at", "last_used_at"};

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "create", mixinStandardHelpOptions = true,
            description = "Create a key and print its secret once. Limits left out are taken from the key you use.")
    int create(@Mixin RemoteOptions remote,
            @Option(names = "--name", required = true, description = "What the key is for (\"laptop\", \"course-2026\").") String name,
            @Option(names = "--user", description = "Owner: a user id or email (administrators; default: yourself).") String user,
            @Option(names = "--project", description = "Project id the key bills to (the owner must be a member).") String project,
            @Option(names = "--expires-in", description = "Expire after 30d, 12h, 90m, 3600s or P30D.") String expiresIn,
            @Option(names = "--expires-at", description = "Expire at an ISO-8601 instant or Unix seconds.") String expiresAt,
            @Option(names = "--model", description = "Allow only this model (repeatable; default: all).") List<String> models,
            @Option(names = "--cidr", description = "Allow only this client network, e.g. 10.0.0.0/8 (repeatable).") List<String> cidrs,
            @Option(names = "--rpm", description = "Requests per minute.") Integer rpm,
            @Option(names = "--tpm", description = "Tokens per minute.") Long tpm,
            @Option(names = "--metadata-only", description = "Keep no request or response bodies in history.") boolean metadataOnly) {
        return Remote.run(spec, remote, api -> api.post("/api/v1/keys", Remote.body("user_id", Remote.userId(api, user),
                "name", name, "project_id", project, "expires_at", Remote.expiry(expiresIn, expiresAt, Instant.now()),
                "allowed_models", models, "allowed_cidrs", cidrs, "rpm_limit", rpm, "tpm_limit", tpm,
                "metadata_only", metadataOnly ? Boolean.TRUE : null)), (out, key) -> {
                    out.println("Created key " + key.path("id").asString() + " (" + key.path("name").asString() + ") for user "
                            + key.path("user_id").asString() + ".");
                    Remote.printSecret(out, key);
                });
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List your keys, or a user's (administrators).")
    int list(@Mixin RemoteOptions remote,
            @Option(names = "--user", description = "A user id or email (administrators).") String user,
            @Option(names = "--limit", description = "Page size, 1 to 100 (default 20).") Integer limit,
            @Option(names = "--after", description = "Continue after this key id.") String after) {
        return Remote.run(spec, remote, api -> api.get("/api/v1/keys" + Remote.query("user_id", Remote.userId(api, user),
                "limit", limit, "after", after)), (out, list) -> {
                    List<JsonNode> rows = new ArrayList<>();
                    list.path("data").forEach(k -> rows.add(readable(k)));
                    Table.print(out, rows, COLUMNS);
                    if (list.path("has_more").asBoolean()) {
                        out.println("(more: --after " + list.path("last_id").asString() + ")");
                    }
                });
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Show one key's settings (never its secret).")
    int get(@Mixin RemoteOptions remote, @Parameters(paramLabel = "KEY_ID") String id) {
        return Remote.run(spec, remote, api -> api.get("/api/v1/keys/" + Remote.encode(id)), KeysCommand::printDetail);
    }

    @Command(name = "rotate", mixinStandardHelpOptions = true,
            description = "Give a key a new secret (same id and settings); the old secret stops working at once.")
    int rotate(@Mixin RemoteOptions remote, @Parameters(paramLabel = "KEY_ID") String id) {
        return Remote.run(spec, remote, api -> api.post("/api/v1/keys/" + Remote.encode(id) + "/rotate", null), (out, key) -> {
            out.println("Rotated key " + key.path("id").asString() + "; the old secret no longer works.");
            Remote.printSecret(out, key);
        });
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true, description = "Revoke a key; it stops working at once.")
    int revoke(@Mixin RemoteOptions remote, @Parameters(paramLabel = "KEY_ID") String id) {
        return Remote.run(spec, remote, api -> api.delete("/api/v1/keys/" + Remote.encode(id)),
                (out, key) -> out.println("Revoked key " + key.path("id").asString() + " (" + key.path("prefix").asString() + "…)."));
    }

    private static JsonNode readable(JsonNode key) {
        return Remote.readableTimes(key, "created_at", "expires_at", "last_used_at", "revoked_at");
    }

    private static void printDetail(PrintWriter out, JsonNode key) {
        JsonNode k = readable(key);
        for (String f : List.of("id", "name", "prefix", "status", "user_id", "project_id", "created_at", "last_used_at",
                "expires_at", "revoked_at", "allowed_models", "allowed_cidrs", "rpm_limit", "tpm_limit", "metadata_only")) {
            JsonNode v = k.path(f);
            out.printf("%-15s %s%n", f, v.isNull() || v.isMissingNode() ? "-" : v.isValueNode() ? v.asString() : v.toString());
        }
    }
}
