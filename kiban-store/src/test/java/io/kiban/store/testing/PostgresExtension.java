package io.kiban.store.testing;

import io.kiban.store.Database;
import io.kiban.store.DatabaseConfig;
import io.kiban.store.Dialect;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts one real PostgreSQL (embedded binaries) per test JVM and hands out fresh databases on it.
 *
 * <p>The server lives in JUnit's root store, so every test class that uses this extension shares it and JUnit
 * stops it when the run ends. A template database is migrated once; each {@link #freshDatabase()} is a
 * {@code CREATE DATABASE … TEMPLATE} copy of it (tens of milliseconds), dropped when the test closes it.
 * A server that cannot start fails the tests: it is never skipped.
 */
public final class PostgresExtension implements BeforeAllCallback {
    private static final String TEMPLATE = "kiban_template";
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private static volatile Server server;

    @Override
    public void beforeAll(ExtensionContext context) {
        server = context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .computeIfAbsent(Server.class, k -> Server.start(), Server.class);
    }

    /** A new migrated database on the shared server. */
    public static TestDatabase freshDatabase() {
        Server s = server;
        if (s == null) {
            throw new IllegalStateException("annotate the test class with @ExtendWith(PostgresExtension.class)");
        }
        String name = "kiban_test_" + COUNTER.incrementAndGet();
        s.execute("CREATE DATABASE " + name + " TEMPLATE " + TEMPLATE);
        return new PostgresTestDatabase(s, name);
    }

    /** The shared server; tests use it to block and unblock connections. */
    public static Server server() {
        return server;
    }

    /** The running embedded PostgreSQL. */
    public static final class Server implements AutoCloseable {
        private final EmbeddedPostgres postgres;

        private Server(EmbeddedPostgres postgres) {
            this.postgres = postgres;
        }

        static Server start() {
            try {
                // fsync off: these tests never crash PostgreSQL itself, and it saves seconds on 2 shared cores.
                EmbeddedPostgres pg = EmbeddedPostgres.builder()
                        .setServerConfig("fsync", "off")
                        .setServerConfig("synchronous_commit", "off")
                        .setServerConfig("full_page_writes", "off")
                        .setServerConfig("max_connections", "200")
                        .start();
                var s = new Server(pg);
                s.execute("CREATE DATABASE " + TEMPLATE);
                try (Database db = Database.open(DatabaseConfig.of(s.url(TEMPLATE)).withMaxPoolSize(3))) {
                    db.migrate();
                }
                return s;
            } catch (IOException e) {
                throw new IllegalStateException("embedded PostgreSQL did not start", e);
            }
        }

        public String url(String database) {
            return postgres.getJdbcUrl("postgres", database);
        }

        /** Runs a statement as superuser on the maintenance database. */
        public void execute(String sql) {
            try (Connection c = DriverManager.getConnection(url("postgres"));
                    Statement st = c.createStatement()) {
                st.execute(sql);
            } catch (SQLException e) {
                throw new IllegalStateException(sql, e);
            }
        }

        /** Refuses new connections to a database and terminates the existing ones: the database is "down". */
        public void block(String database) {
            execute("ALTER DATABASE " + database + " ALLOW_CONNECTIONS false");
            execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + database + "'");
        }

        public void unblock(String database) {
            execute("ALTER DATABASE " + database + " ALLOW_CONNECTIONS true");
        }

        @Override
        public void close() throws IOException {
            postgres.close();
        }
    }

    private static final class PostgresTestDatabase extends TestDatabase {
        private final Server server;
        private final String name;

        PostgresTestDatabase(Server server, String name) {
            this.server = server;
            this.name = name;
        }

        @Override
        public String toString() {
            return name;
        }

        @Override
        public void outage(boolean down) {
            if (down) {
                server.block(name);
            } else {
                server.unblock(name);
            }
        }

        @Override
        public String url() {
            return server.url(name);
        }

        @Override
        public Dialect dialect() {
            return Dialect.POSTGRESQL;
        }

        @Override
        protected DatabaseConfig config() {
            return DatabaseConfig.of(url()).withMaxPoolSize(4);
        }

        @Override
        protected void drop() {
            server.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        }
    }
}
