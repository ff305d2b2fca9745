package io.kiban.server.cli;

import picocli.CommandLine.Command;

/** The top-level {@code kiban} command and its subcommands. */
@Command(name = "kiban", mixinStandardHelpOptions = true, version = "kiban 0.1.0",
        description = "Kiban: an OpenAI-compatible Model-as-a-Service platform.",
        subcommands = {ServeCommand.class, UsersCommand.class, ProjectsCommand.class, KeysCommand.class,
            AuditCommand.class, DeployCommand.class, DeploymentsCommand.class})
public final class KibanCommand implements Runnable {
    @Override
    public void run() {
        System.out.println("""
                Usage: kiban <command> [options]
                  serve      start the server (API, workers, store)
                  users      manage users on a running server (create, list, get, update, deactivate)
                  projects   manage projects and their members
                  keys       manage API keys (create, list, get, rotate, revoke)
                  audit      show the audit log of security events
                  deploy     create or replace a deployment (a model with its replicas and autoscaling)
                  deployments  list, inspect, scale and delete deployments
                  worker     run one model worker (started by serve; rarely by hand)
                  bench      measure throughput and latency of any OpenAI-compatible endpoint
                  simulate   run the OpenAI-compatible simulator (a fake model for load tests)
                Run 'kiban <command> --help' for its options.""");
    }
}
