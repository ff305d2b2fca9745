package io.kiban.server;

import io.kiban.control.DeploymentSpec;
import io.kiban.control.model.ModelFile;
import io.kiban.control.model.ModelOptions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The models a server serves, with what their files say about them: those it was asked to serve at start-up
 * ({@code --model}, the models directory, {@code --external}), then kept in step with the deployments
 * ({@code /api/v1/deployments}) by {@link io.kiban.server.deployments.DeploymentService}. Thread-safe.
 */
public final class ModelCatalog {

    /** One served model: its deployment spec and, for GGUF files, the file's header facts. */
    public record Entry(DeploymentSpec spec, ModelFile file, long createdEpochSeconds) {}

    private final Map<String, Entry> entries = new LinkedHashMap<>();

    /** Reads every model's header; a missing or unreadable model stops the start with a message naming it. */
    public static ModelCatalog of(ServerOptions options) throws IOException {
        ModelCatalog c = new ModelCatalog();
        for (ServerOptions.ModelArg m : options.models()) {
            c.addFile(m.name(), m.path(), m.options(), "--model " + m.name());
        }
        if (Files.isDirectory(options.modelsDir())) {
            List<Path> files = new ArrayList<>();
            try (DirectoryStream<Path> dir = Files.newDirectoryStream(options.modelsDir(), "*.gguf")) {
                dir.forEach(files::add);
            }
            files.sort(null);
            for (Path f : files) {
                String name = f.getFileName().toString().replaceFirst("\\.gguf$", "");
                if (c.entries.containsKey(name)) {
                    continue; // --model wins over the directory
                }
                ServerOptions.checkName(name);
                c.addFile(name, f, sidecarOptions(f.resolveSibling(name + ".properties")), f.toString());
            }
        }
        for (ServerOptions.ExternalArg e : options.externals()) {
            if (c.entries.containsKey(e.name())) {
                throw new IllegalArgumentException("model name " + e.name() + " is used twice");
            }
            c.entries.put(e.name(), new Entry(DeploymentSpec.external(e.name(), e.urls(), null), null, now()));
        }
        return c;
    }

    private void addFile(String name, Path path, ModelOptions options, String origin) throws IOException {
        if (entries.containsKey(name)) {
            throw new IllegalArgumentException("model name " + name + " is used twice");
        }
        ModelFile file;
        try {
            file = ModelFile.read(path.toAbsolutePath());
        } catch (IOException e) {
            throw new IOException(origin + ": " + e.getMessage(), e);
        }
        entries.put(name, new Entry(DeploymentSpec.builtin(name, file.path(), options), file, now()));
    }

    private static ModelOptions sidecarOptions(Path props) throws IOException {
        if (!Files.isRegularFile(props)) {
            return ModelOptions.DEFAULTS;
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(props)) {
            p.load(in);
        }
        try {
            return ModelOptions.of(p);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(props + ": " + e.getMessage());
        }
    }

    private static long now() {
        return System.currentTimeMillis() / 1000;
    }

    public List<Entry> entries() {
        synchronized (entries) {
            return List.copyOf(entries.values());
        }
    }

    public Entry get(String name) {
        synchronized (entries) {
            return entries.get(name);
        }
    }

    /** Adds or replaces a model (a deployment created or changed). */
    public void put(Entry e) {
        synchronized (entries) {
            entries.put(e.spec().name(), e);
        }
    }

    /** Removes a model (a deployment deleted). */
    public void remove(String name) {
        synchronized (entries) {
            entries.remove(name);
        }
    }
}
