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

/** {@code kiban projects …}: projects and their members on a running server. */
@Command(name = "projects", mixinStandardHelpOptions = true, description = "Manage projects (labs, courses) and their members.")
public final class ProjectsCommand implements Runnable {
    private static final String[] COLUMNS = {"id", "name", "description", "created_at"};
    private static final String[] MEMBER_COLUMNS = {"user_id", "role", "name", "email", "added_at"};

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "create", mixinStandardHelpOptions = true, description = "Create a project (administrators).")
    int create(@Mixin RemoteOptions remote, @Parameters(paramLabel = "NAME") String name,
            @Option(names = "--description") String description) {
        return Remote.run(spec, remote, api -> api.post("/api/v1/projects", Remote.body("name", name, "description", description)),
                ProjectsCommand::printOne);
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Your projects (all of them for administrators).")
    int list(@Mixin RemoteOptions remote, @Option(names = "--limit") Integer limit, @Option(names = "--after") String after) {
        return Remote.run(spec, remote, api -> api.get("/api/v1/projects" + Remote.query("limit", limit, "after", after)),
                (out, list) -> Table.print(out, list.path("data").valueStream()
                        .map(p -> Remote.readableTimes(p, "created_at")).toList(), COLUMNS));
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "Show a project.")
    int get(@Mixin RemoteOptions remote, @Parameters(paramLabel = "PROJECT_ID") String id) {
        return Remote.run(spec, remote, api -> api.get("/api/v1/projects/" + Remote.encode(id)), ProjectsCommand::printOne);
    }

    @Command(name = "update", mixinStandardHelpOptions = true, description = "Rename a project or change its description (managers).")
    int update(@Mixin RemoteOptions remote, @Parameters(paramLabel = "PROJECT_ID") String id,
            @Option(names = "--name") String name, @Option(names = "--description") String description) {
        return Remote.run(spec, remote, api -> api.patch("/api/v1/projects/" + Remote.encode(id),
                Remote.body("name", name, "description", description)), ProjectsCommand::printOne);
    }

    @Command(name = "members", mixinStandardHelpOptions = true, description = "List a project's members.")
    int members(@Mixin RemoteOptions remote, @Parameters(paramLabel = "PROJECT_ID") String id) {
        return Remote.run(spec, remote, api -> api.get("/api/v1/projects/" + Remote.encode(id) + "/members"),
                (out, list) -> Table.print(out, list.path("data").valueStream()
                        .map(m -> Remote.readableTimes(m, "added_at")).toList(), MEMBER_COLUMNS));
    }

    @Command(name = "add-member", mixinStandardHelpOptions = true,
            description = "Add a user to a project, or change their role (managers).")
    int addMember(@Mixin RemoteOptions remote, @Parameters(index = "0", paramLabel = "PROJECT_ID") String id,
            @Parameters(index = "1", paramLabel = "USER", description = "user id or email") String user,
            @Option(names = "--role", defaultValue = "member", description = "member or manager (default: ${DEFAULT-VALUE}).") String role) {
        Object body = user.contains("@") ? Remote.body("email", user, "role", role) : Remote.body("user_id", user, "role", role);
        return Remote.run(spec, remote, api -> api.post("/api/v1/projects/" + Remote.encode(id) + "/members", body),
                (out, m) -> Table.print(out, List.of(Remote.readableTimes(m, "added_at")), MEMBER_COLUMNS));
    }

    @Command(name = "remove-member", mixinStandardHelpOptions = true, description = "Remove a user from a project (managers).")
    int removeMember(@Mixin RemoteOptions remote, @Parameters(index = "0", paramLabel = "PROJECT_ID") String id,
            @Parameters(index = "1", paramLabel = "USER_ID") String userId) {
        return Remote.run(spec, remote, api -> api.delete("/api/v1/projects/" + Remote.encode(id) + "/members/" + Remote.encode(userId)),
                (out, r) -> out.println("Removed " + userId + " from " + id + "."));
    }

    static void printOne(PrintWriter out, JsonNode project) {
        Table.print(out, List.of(Remote.readableTimes(project, "created_at")), COLUMNS);
    }
}
