package io.kiban.server.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kiban audit}: the security event log, newest first (administrators). */
@Command(name = "audit", mixinStandardHelpOptions = true, description = "Show the audit log of security events (administrators).")
public final class AuditCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    RemoteOptions remote;

    @Option(names = "--action", description = "e.g. key.created, key.revoked, user.role_changed, auth.failed")
    String action;

    @Option(names = "--actor", description = "Events by this user id.")
    String actor;

    @Option(names = "--target", description = "Events about this object id (a key, a user).")
    String target;

    @Option(names = "--limit", description = "Page size, 1 to 100 (default 20).")
    Integer limit;

    @Option(names = "--after", description = "Continue after this event id.")
    String after;

    @Override
    public Integer call() {
        return Remote.run(spec, remote, api -> api.get("/api/v1/audit" + Remote.query("action", action, "actor_id", actor,
                "target_id", target, "limit", limit, "after", after)), (out, list) -> {
                    Table.print(out, list.path("data").valueStream().map(e -> Remote.readableTimes(e, "occurred_at")).toList(),
                            "occurred_at", "action", "actor_id", "target_type", "target_id", "client_ip", "detail");
                    if (list.path("has_more").asBoolean()) {
                        out.println("(more: --after " + list.path("last_id").asString() + ")");
                    }
                });
    }
}
