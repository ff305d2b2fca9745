package io.kiban.server;

import io.kiban.control.model.ModelOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;

/**
 * The settings of {@code kiban serve}.
 *
 * @param models models given with {@code --model}
 * @param modelsDir a directory of {@code *.gguf} files served under their file names
 * @param externals OpenAI-compatible endpoints served under a name ({@code --external NAME=URL})
 * @param dbUrl JDBC URL of the store; null for the embedded H2 database in the data directory
 * @param auth {@code keys} (API keys required) or {@code none} (no authentication: local use and benchmarks only)
 * @param history whether request history is recorded (usage is counted either way)
 * @param historyRetention age after which history records are purged
 * @param quotaZone the time zone in which daily and monthly token quotas reset
 */
public record ServerOptions(
        String host,
        int port,
        Path dataDir,
        List<ModelArg> models,
        Path modelsDir,
        List<ExternalArg> externals,
        String dbUrl,
        String auth,
        boolean history,
        int maxBodyBytes,
        Duration holdTimeout,
        Duration historyRetention,
        ZoneId quotaZone) {

    public static final Duration DEFAULT_HISTORY_RETENTION = Duration.ofDays(365);

    /** Options with the default history retention and quotas resetting in the system's time zone. */
    public ServerOptions(String host, int port, Path dataDir, List<ModelArg> models, Path modelsDir,
            List<ExternalArg> externals, String dbUrl, String auth, boolean history, int maxBodyBytes,
            Duration holdTimeout) {
        this(host, port, dataDir, models, modelsDir, externals, dbUrl, auth, history, maxBodyBytes, holdTimeout,
                DEFAULT_HISTORY_RETENTION, ZoneId.systemDefault());
    }

    /** A {@code --model NAME=PATH.gguf[:OPTIONS]} argument. */
    public record ModelArg(String name, Path path, ModelOptions options) {
        public static ModelArg parse(String spec) {
            int eq = spec.indexOf('=');
            if (eq <= 0 || eq == spec.length() - 1) {
                throw new IllegalArgumentException("--model takes NAME=PATH.gguf[:OPTIONS], got '" + spec + "'");
            }
            String name = checkName(spec.substring(0, eq));
            String rest = spec.substring(eq + 1);
            String options = null;
            int colon = rest.lastIndexOf(':');
            if (colon > 0 && !rest.substring(colon + 1).contains("/")) {
                options = rest.substring(colon + 1);
                rest = rest.substring(0, colon);
            }
            return new ModelArg(name, Path.of(rest), ModelOptions.parse(options));
        }
    }

    /** An {@code --external NAME=URL[,URL…]} argument. */
    public record ExternalArg(String name, List<String> urls) {
        public static ExternalArg parse(String spec) {
            int eq = spec.indexOf('=');
            if (eq <= 0 || eq == spec.length() - 1) {
                throw new IllegalArgumentException("--external takes NAME=http://host:port/v1, got '" + spec + "'");
            }
            return new ExternalArg(checkName(spec.substring(0, eq)), List.of(spec.substring(eq + 1).split(",")));
        }
    }

    /** Model names appear in URLs, metrics and logs: letters, digits, '.', '_', '-' and ':' only. */
    public static String checkName(String name) {
        if (!name.matches("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")) {
            throw new IllegalArgumentException("Invalid model name '" + name
                    + "': use letters, digits, '.', '_', '-' or ':' (at most 128 characters), starting with a letter or digit");
        }
        return name;
    }
}
