package io.kiban.server.cli;

import picocli.CommandLine.Command;

/** The top-level {@code kiban} command and its subcommands. */
@Command(name = "kiban", mixinStandardHelpOptions = true, version = "kiban 0.1.0",
        description = "Kiban: an OpenAI-compatible Model-as-a-Service platform.",
        subcommands = {ServeCommand.class})
public final class KibanCommand implements Runnable {
    @Override
    public void run() {
        System.out.println("Usage: kiban <command> [options]. Commands: serve, worker. Run 'kiban <command> --help'.");
    }
}
