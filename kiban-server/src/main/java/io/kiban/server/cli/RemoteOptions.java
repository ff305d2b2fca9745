package io.kiban.server.cli;

import picocli.CommandLine.Option;

/** Options shared by commands that talk to a running server ({@code kiban users}, {@code kiban keys}, …). */
public final class RemoteOptions {
    @Option(names = "--url", description = "The server (default: $KIBAN_URL, else http://127.0.0.1:8080).")
    String url;

    @Option(names = "--key", description = "API key to act with (default: $KIBAN_KEY, else $KIBAN_ADMIN_KEY). "
            + "Prefer the environment: command lines are visible to other users.")
    String key;

    @Option(names = "--json", description = "Print the server's JSON instead of a table.")
    boolean json;

    public String url() {
        String u = url != null ? url : System.getenv("KIBAN_URL") != null ? System.getenv("KIBAN_URL") : "http://127.0.0.1:8080";
        return u.replaceAll("/+$", "");
    }

    public String key() {
        if (key != null) {
            return key;
        }
        String k = System.getenv("KIBAN_KEY");
        return k != null ? k : System.getenv("KIBAN_ADMIN_KEY");
    }

    public boolean json() {
        return json;
    }
}
