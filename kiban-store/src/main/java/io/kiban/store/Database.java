package io.kiban.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Objects;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * A connection pool to one H2 or PostgreSQL database whose schema the Flyway migrations in {@code db/migration}
 * manage, together with its {@link Dialect}.
 *
 * <p>Repositories take a {@code Database} in their constructor and borrow a connection per call. Several
 * {@code Database} instances on the same PostgreSQL database behave like several Kiban servers sharing it.
 */
public final class Database implements AutoCloseable {
    private final DataSource dataSource;
    private final Dialect dialect;
    private final AutoCloseable owned;

    private Database(DataSource dataSource, Dialect dialect, AutoCloseable owned) {
        this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
        this.dialect = Objects.requireNonNull(dialect, "dialect");
        this.owned = owned;
    }

    /** Opens a HikariCP pool for the URL and, unless the config says otherwise, migrates the schema. */
    public static Database open(DatabaseConfig config) {
        var hikari = new HikariConfig();
        hikari.setJdbcUrl(config.url());
        hikari.setUsername(config.user());
        hikari.setPassword(config.password());
        hikari.setMaximumPoolSize(config.maxPoolSize());
        hikari.setConnectionTimeout(config.connectionTimeout().toMillis());
        hikari.setValidationTimeout(Math.min(config.connectionTimeout().toMillis(), 2_000));
        hikari.setPoolName("kiban-store");
        var pool = new HikariDataSource(hikari);
        try {
            var database = new Database(pool, config.dialect(), pool);
            if (config.migrate()) {
                database.migrate();
            }
            return database;
        } catch (RuntimeException e) {
            pool.close();
            throw e;
        }
    }

    /** Opens the URL with default settings. */
    public static Database open(String url) {
        return open(DatabaseConfig.of(url));
    }

    /**
     * Wraps a data source that someone else owns and closes (a test's failing wrapper, an application server's
     * pool). Migrations are not run; call {@link #migrate()} if needed.
     */
    public static Database wrap(DataSource dataSource, Dialect dialect) {
        return new Database(dataSource, dialect, null);
    }

    /**
     * The default embedded database: an H2 file {@code kiban.mv.db} in the server's data directory.
     *
     * <p>{@code WRITE_DELAY=0} makes every commit reach the file before the commit returns (H2's default is to
     * write committed changes up to 500 ms later), so a committed batch survives a killed JVM; it does not fsync,
     * so a power failure can still lose about a second (see H2's "Durability Problems").
     */
    public static String h2File(Path dataDir) {
        return "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("kiban") + h2Options() + ";WRITE_DELAY=0";
    }

    /** An in-memory H2 database that lives until the JVM exits; for tests and throwaway runs. */
    public static String h2Memory(String name) {
        return "jdbc:h2:mem:" + name + h2Options() + ";DB_CLOSE_DELAY=-1";
    }

    private static String h2Options() {
        return ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH";
    }

    /** Applies pending migrations; fails if an applied migration was edited (Flyway's checksum validation). */
    public void migrate() {
        Flyway.configure()
                .dataSource(dataSource)
                .locations("classpath:db/migration")
                .placeholders(dialect.migrationPlaceholders())
                .load()
                .migrate();
    }

    public DataSource dataSource() {
        return dataSource;
    }

    public Dialect dialect() {
        return dialect;
    }

    /** Runs work on a pooled connection in auto-commit mode. */
    public <T> T withConnection(Jdbc.SqlFunction<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            return work.apply(connection);
        } catch (SQLException e) {
            throw new StoreException("database call failed", e);
        }
    }

    /** Runs work in one transaction: committed if it returns, rolled back if it throws. */
    public <T> T inTransaction(Jdbc.SqlFunction<T> work) {
        try (Connection connection = dataSource.getConnection()) {
            return inTransaction(connection, work);
        } catch (SQLException e) {
            throw new StoreException("database transaction failed", e);
        }
    }

    /** Runs work in one transaction on a connection the caller holds, restoring its auto-commit mode after. */
    public static <T> T inTransaction(Connection connection, Jdbc.SqlFunction<T> work) throws SQLException {
        boolean autoCommit = connection.getAutoCommit();
        connection.setAutoCommit(false);
        try {
            T result = work.apply(connection);
            connection.commit();
            return result;
        } catch (SQLException | RuntimeException | Error e) {
            try {
                connection.rollback();
            } catch (SQLException rollbackFailure) {
                e.addSuppressed(rollbackFailure);
            }
            throw e;
        } finally {
            try {
                connection.setAutoCommit(autoCommit);
            } catch (SQLException ignored) {
                // The connection is broken; the pool will discard it.
            }
        }
    }

    @Override
    public void close() {
        if (owned != null) {
            try {
                owned.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the connection pool failed", e);
            }
        }
    }
}
