package io.kiban.server.cli;

import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/** {@code kiban users …}: manage users on a running server (administrators; anyone may {@code get me}). */
@Command(name = "users", mixinStandardHelpOptions = true, description = "Manage users on a running Kiban server.")
public final class UsersCommand implements Runnable {
    private static final String[] COLUMNS = {"id", "name", "email", "role", "active", "created_at"};

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a user (administrators).")
    int create(@Mixin RemoteOptions remote,
            @Option(names = "--name", required = true, description = "Display name.") String name,
            @Option(names = "--email", required = true, description = "Email address (unique, case-insensitive).") String email,
            @Option(names = "--role", defaultValue = "user", description = "user or admin (default: ${DEFAULT-VALUE}).") String role) {
        return Remote.run(spec, remote, api -> api.post("/api/v1/users", Remote.body("name", name, "email", email, "role", role)),
                UsersCommand::printOne);
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List users (administrators).")
    int list(@Mixin RemoteOptions remote,
            @Option(names = "--email", description = "Only the user with this address.") String email,
            @Option(names = "--limit", description = "Page size, 1 to 100 (default 20).") Integer limit,
            @Option(names = "--after", description = "Continue after this user id.") String after) {
        return Remote.run(spec, remote, api -> api.get("/api/v1/users" + Remote.query("email", email, "limit", limit, "after", after)),
                UsersCommand::printList);
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Show a user: an id, an email, or 'me'.")
    int get(@Mixin RemoteOptions remote, @Parameters(paramLabel = "USER", description = "id, email or me") String user) {
        return Remote.run(spec, remote, api -> api.get("/api/v1/users/" + Remote.encode(Remote.userId(api, user))),
                UsersCommand::printOne);
    }

    @Command(name = "update", mixinStandardHelpOptions = true,
            description = "Change a user: name (anyone, for themselves); email, role, active (administrators).")
    int update(@Mixin RemoteOptions remote, @Parameters(paramLabel = "USER", description = "id, email or me") String user,
            @Option(names = "--name") String name, @Option(names = "--email") String email,
            @Option(names = "--role", description = "user or admin") String role,
            @Option(names = "--active", arity = "1", description = "true or false") Boolean active) {
        return patch(remote, user, Remote.body("name", name, "email", email, "role", role, "active", active));
    }

    @Command(name = "deactivate", mixinStandardHelpOptions = true,
            description = "Deactivate a user: their keys stop working at once (administrators).")
    int deactivate(@Mixin RemoteOptions remote, @Parameters(paramLabel = "USER", description = "id or email") String user) {
        return patch(remote, user, Remote.body("active", false));
    }

    @Command(name = "activate", mixinStandardHelpOptions = true, description = "Activate a user again (administrators).")
    int activate(@Mixin RemoteOptions remote, @Parameters(paramLabel = "USER", description = "id or email") String user) {
        return patch(remote, user, Remote.body("active", true));
    }

    private int patch(RemoteOptions remote, String user, Object body) {
        return Remote.run(spec, remote, api -> api.patch("/api/v1/users/" + Remote.encode(Remote.userId(api, user)), body),
                UsersCommand::printOne);
    }

    static void printOne(PrintWriter out, JsonNode user) {
        Table.print(out, List.of(Remote.readableTimes(user, "created_at")), COLUMNS);
    }

    static void printList(PrintWriter out, JsonNode list) {
        Table.print(out, list.path("data").valueStream().map(u -> Remote.readableTimes(u, "created_at")).toList(), COLUMNS);
        if (list.path("has_more").asBoolean()) {
            out.println("(more: --after " + list.path("last_id").asString() + ")");
        }
    }
}
