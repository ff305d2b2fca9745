package io.kiban.store.testing;

import io.kiban.store.Database;
import io.kiban.store.DatabaseConfig;
import io.kiban.store.Dialect;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.UUID;

/**
 * A fresh H2 database: by default an H2 file in a new temporary directory, exactly what a server uses
 * ({@link Database#h2File}), so that data lives on disk and not in the test's heap.
 */
public final class H2TestDatabase extends TestDatabase {
    private final String url;
    private final Path directory;

    private H2TestDatabase(String url, Path directory) {
        this.url = url;
        this.directory = directory;
    }

    /** A file database in a new temporary directory, deleted on close. */
    public static H2TestDatabase fresh() {
        try {
            Path dir = Files.createTempDirectory("kiban-h2-");
            return new H2TestDatabase(Database.h2File(dir), dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A file database in a directory the test owns (reopened across "restarts"); not deleted on close. */
    public static H2TestDatabase file(Path dataDir) {
        return new H2TestDatabase(Database.h2File(dataDir), null);
    }

    /** An in-memory database. */
    public static H2TestDatabase inMemory() {
        return new H2TestDatabase(Database.h2Memory("test-" + UUID.randomUUID()), null);
    }

    @Override
    public String url() {
        return url;
    }

    @Override
    public Dialect dialect() {
        return Dialect.H2;
    }

    @Override
    protected DatabaseConfig config() {
        return DatabaseConfig.of(url).withMaxPoolSize(4);
    }

    @Override
    protected void drop() {
        try (Connection c = DriverManager.getConnection(url)) {
            c.createStatement().execute("SHUTDOWN");
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        if (directory != null) {
            try (Stream<Path> files = Files.walk(directory)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
