package io.kiban.server.cli;

import io.kiban.api.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tools.jackson.databind.JsonNode;

/** {@code kiban deployments list|get|delete|scale}: inspect and manage deployments on a running server. */
@Command(name = "deployments", mixinStandardHelpOptions = true,
        description = "List, inspect, scale and delete deployments (/api/v1/deployments).",
        subcommands = {DeploymentsCommand.ListCommand.class, DeploymentsCommand.GetCommand.class,
            DeploymentsCommand.DeleteCommand.class, DeploymentsCommand.ScaleCommand.class})
public final class DeploymentsCommand implements Runnable {
    @Override
    public void run() {
        System.out.println("Usage: kiban deployments list|get NAME|scale NAME --min N --max N|delete NAME   (see --help)");
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "Every deployment with its replicas.")
    static final class ListCommand implements Callable<Integer> {
        @Mixin
        RemoteOptions remote;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                JsonNode list = new ApiClient(remote).get("/api/v1/deployments");
                if (remote.json()) {
                    System.out.println(Json.writeString(list));
                    return;
                }
                Table.print(System.out, list.path("data"), "name", "spec.runtime", "origin", "status.state",
                        "spec.min_replicas", "spec.max_replicas", "status.desired_replicas", "status.ready_replicas",
                        "status.waiting_requests", "status.in_flight_requests");
            });
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true, description = "One deployment: replicas and recent scaling decisions.")
    static final class GetCommand implements Callable<Integer> {
        @Mixin
        RemoteOptions remote;

        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                JsonNode d = new ApiClient(remote).get("/api/v1/deployments/" + name);
                if (remote.json()) {
                    System.out.println(Json.writeString(d));
                } else {
                    summary(d);
                }
            });
        }
    }

    @Command(name = "delete", mixinStandardHelpOptions = true, description = "Delete a deployment; its replicas drain and stop.")
    static final class DeleteCommand implements Callable<Integer> {
        @Mixin
        RemoteOptions remote;

        @Parameters(paramLabel = "NAME")
        String name;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                new ApiClient(remote).delete("/api/v1/deployments/" + name);
                System.out.println("Deleted deployment " + name + "; its replicas drain and stop.");
            });
        }
    }

    @Command(name = "scale", mixinStandardHelpOptions = true, description = "Change a deployment's replica bounds.")
    static final class ScaleCommand implements Callable<Integer> {
        @Mixin
        RemoteOptions remote;

        @Parameters(paramLabel = "NAME")
        String name;

        @Option(names = "--min", description = "Fewest replicas (0 allows scale to zero).")
        Integer min;

        @Option(names = "--max", description = "Most replicas.")
        Integer max;

        @Override
        public Integer call() {
            return Cli.run(() -> {
                if (min == null && max == null) {
                    throw new ApiClient.CliException("Give --min, --max or both.", 2);
                }
                var body = Json.MAPPER.createObjectNode();
                if (min != null) {
                    body.put("min_replicas", min);
                }
                if (max != null) {
                    body.put("max_replicas", max);
                }
                JsonNode d = new ApiClient(remote).patch("/api/v1/deployments/" + name, body);
                if (remote.json()) {
                    System.out.println(Json.writeString(d));
                } else {
                    summary(d);
                }
            });
        }
    }

    /** Prints a deployment view for people. */
    static void summary(JsonNode d) {
        JsonNode s = d.path("status");
        JsonNode spec = d.path("spec");
        System.out.printf("%s  (%s, %s)  %s: %d desired, %d ready (min %d, max %d), %d waiting, %d in flight, %d restarts%n",
                d.path("name").asString(), spec.path("runtime").asString(), d.path("origin").asString(),
                s.path("state").asString(), s.path("desired_replicas").asInt(), s.path("ready_replicas").asInt(),
                spec.path("min_replicas").asInt(), spec.path("max_replicas").asInt(), s.path("waiting_requests").asInt(),
                s.path("in_flight_requests").asInt(), s.path("restarts").asInt());
        if (!s.path("last_decision").isMissingNode()) {
            System.out.println("autoscaler: " + s.path("last_decision").asString());
        }
        if (!d.path("replicas").isEmpty()) {
            System.out.println();
            Table.print(System.out, d.path("replicas"), "id", "state", "endpoint", "pid", "in_flight", "slots",
                    "ready_after_seconds");
        }
        if (d.path("recent_decisions").isArray() && !d.path("recent_decisions").isEmpty()) {
            System.out.println();
            List<JsonNode> rows = new ArrayList<>();
            d.path("recent_decisions").forEach(rows::add);
            Table.print(System.out, rows, "at", "from", "to", "reason");
        }
    }
}
