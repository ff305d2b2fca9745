package io.kiban.server.cli;

/** Runs a CLI command's body, printing an {@link ApiClient.CliException} as one line and returning its exit code. */
final class Cli {
    private Cli() {}

    interface Body {
        void run();
    }

    static int run(Body body) {
        try {
            body.run();
            return 0;
        } catch (ApiClient.CliException e) {
            System.err.println("kiban: " + e.getMessage());
            return e.exitCode();
        }
    }
}
