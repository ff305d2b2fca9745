package io.kiban.store;

import java.time.Duration;
import java.util.Objects;

/**
 * How to reach the database: a JDBC URL ({@code jdbc:h2:…} or {@code jdbc:postgresql:…}), credentials and pool
 * settings.
 *
 * @param connectionTimeout how long a caller waits for a pooled connection before the pool gives up; short, so a
 *     database outage surfaces quickly (the {@code Recorder} spools instead of waiting)
 * @param migrate whether {@link Database#open} runs the Flyway migrations
 */
public record DatabaseConfig(
        String url, String user, String password, int maxPoolSize, Duration connectionTimeout, boolean migrate) {

    public DatabaseConfig {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(connectionTimeout, "connectionTimeout");
        if (maxPoolSize < 1) {
            throw new IllegalArgumentException("maxPoolSize must be at least 1");
        }
    }

    /** Defaults: no credentials, 10 connections, a 5 s connection timeout, migrations on. */
    public static DatabaseConfig of(String url) {
        return new DatabaseConfig(url, null, null, 10, Duration.ofSeconds(5), true);
    }

    public DatabaseConfig withCredentials(String user, String password) {
        return new DatabaseConfig(url, user, password, maxPoolSize, connectionTimeout, migrate);
    }

    public DatabaseConfig withMaxPoolSize(int size) {
        return new DatabaseConfig(url, user, password, size, connectionTimeout, migrate);
    }

    public DatabaseConfig withConnectionTimeout(Duration timeout) {
        return new DatabaseConfig(url, user, password, maxPoolSize, timeout, migrate);
    }

    public DatabaseConfig withMigrate(boolean run) {
        return new DatabaseConfig(url, user, password, maxPoolSize, connectionTimeout, run);
    }

    public Dialect dialect() {
        return Dialect.fromJdbcUrl(url);
    }

    @Override
    public String toString() {
        return "DatabaseConfig[url=" + url + ", user=" + user + ", password=" + (password == null ? null : "***")
                + ", maxPoolSize=" + maxPoolSize + ", connectionTimeout=" + connectionTimeout + ", migrate=" + migrate
                + "]";
    }
}
