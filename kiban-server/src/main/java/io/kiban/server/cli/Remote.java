package io.kiban.server.cli;

import io.kiban.api.Json;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.function.Function;
import picocli.CommandLine.Model.CommandSpec;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The shared steps of the CLI commands that call a running server: send, then print the JSON ({@code --json}) or a
 * human form, and turn failures into the server's message on standard error and an exit code (1 error, 2 usage,
 * 3 server unreachable, 4 not allowed).
 */
final class Remote {
    private Remote() {}

    static int run(CommandSpec spec, RemoteOptions remote, Function<ApiClient, JsonNode> call,
            BiConsumer<PrintWriter, JsonNode> human) {
        PrintWriter out = spec.commandLine().getOut();
        try {
            JsonNode result = call.apply(new ApiClient(remote));
            if (remote.json()) {
                out.println(Json.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(result));
            } else {
                human.accept(out, result);
            }
            out.flush();
            return 0;
        } catch (ApiClient.CliException e) {
            PrintWriter err = spec.commandLine().getErr();
            err.println(e.getMessage());
            err.flush();
            return e.exitCode();
        }
    }

    /** A JSON object of the given name/value pairs, leaving out null values (absent fields stay as they are). */
    static Map<String, Object> body(Object... pairs) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i + 1] != null) {
                m.put((String) pairs[i], pairs[i + 1]);
            }
        }
        return m;
    }

    /** A user given as an id, {@code me}, or an email address (looked up; administrators only). */
    static String userId(ApiClient api, String ref) {
        if (ref == null || !ref.contains("@")) {
            return ref;
        }
        JsonNode data = api.get("/api/v1/users?email=" + encode(ref)).path("data");
        if (data.isEmpty()) {
            throw new ApiClient.CliException("No user with the email address " + ref + ".", 1);
        }
        return data.get(0).path("id").asString();
    }

    static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** A query string of the non-null pairs, with its leading '?', or "". */
    static String query(Object... pairs) {
        var sb = new StringBuilder();
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i + 1] != null) {
                sb.append(sb.isEmpty() ? '?' : '&').append(pairs[i]).append('=').append(encode(pairs[i + 1].toString()));
            }
        }
        return sb.toString();
    }

    /** A copy of an object with Unix-second fields shown as UTC date-times, for tables. */
    static JsonNode readableTimes(JsonNode row, String... fields) {
        ObjectNode copy = ((ObjectNode) row).deepCopy();
        for (String f : fields) {
            JsonNode v = row.path(f);
            if (v.isNumber()) {
                copy.put(f, Instant.ofEpochSecond(v.asLong()).toString());
            }
        }
        return copy;
    }

    /**
     * An expiry from {@code --expires-in} ({@code 30d}, {@code 12h}, {@code 90m}, {@code 3600s}, or ISO-8601
     * {@code P30D}) or {@code --expires-at} (ISO-8601 instant or Unix seconds), as Unix seconds; null for neither.
     */
    static Long expiry(String expiresIn, String expiresAt, Instant now) {
        if (expiresIn != null && expiresAt != null) {
            throw new ApiClient.CliException("Give --expires-in or --expires-at, not both.", 2);
        }
        try {
            if (expiresIn != null) {
                return now.plus(duration(expiresIn)).getEpochSecond();
            }
            if (expiresAt != null) {
                return expiresAt.matches("[0-9]+") ? Long.parseLong(expiresAt) : Instant.parse(expiresAt).getEpochSecond();
            }
            return null;
        } catch (DateTimeParseException | ArithmeticException | IllegalArgumentException e) {
            throw new ApiClient.CliException("Invalid expiry: use --expires-in 30d (or 12h, 90m, 3600s, P30D) or "
                    + "--expires-at 2027-03-31T00:00:00Z.", 2);
        }
    }

    static Duration duration(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (t.startsWith("p")) {
            return Duration.parse(t.toUpperCase(Locale.ROOT));
        }
        if (!t.matches("[0-9]+[dhms]")) {
            throw new IllegalArgumentException(text);
        }
        long n = Long.parseLong(t.substring(0, t.length() - 1));
        return switch (t.charAt(t.length() - 1)) {
            case 'd' -> Duration.ofDays(n);
            case 'h' -> Duration.ofHours(n);
            case 'm' -> Duration.ofMinutes(n);
            default -> Duration.ofSeconds(n);
        };
    }

    /** Prints a secret so that it cannot be missed, with the warning that it is shown once. */
    static void printSecret(PrintWriter out, JsonNode key) {
        out.println("Secret (shown only this once; store it now, e.g. in a password manager):");
        out.println();
        out.println("  " + key.path("secret").asString());
        out.println();
        out.println("Use it as: export OPENAI_API_KEY=" + key.path("secret").asString());
    }
}
