package io.kiban.store.testing;

import io.kiban.store.Database;
import io.kiban.store.DatabaseConfig;
import io.kiban.store.Dialect;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.UUID;

/** A fresh H2 database: in memory by default, or an H2 file in a directory (what a server uses). */
public final class H2TestDatabase extends TestDatabase {
    private final String url;

    private H2TestDatabase(String url) {
        this.url = url;
    }

    public static H2TestDatabase inMemory() {
        return new H2TestDatabase(Database.h2Memory("test-" + UUID.randomUUID()));
    }

    public static H2TestDatabase file(Path dataDir) {
        return new H2TestDatabase(Database.h2File(dataDir));
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
    }
}
