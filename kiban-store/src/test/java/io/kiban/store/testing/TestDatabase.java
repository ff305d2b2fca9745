package io.kiban.store.testing;

import io.kiban.store.Database;
import io.kiban.store.DatabaseConfig;
import io.kiban.store.Dialect;
import java.util.ArrayList;
import java.util.List;

/**
 * A fresh, migrated database for one test, and a way to open more pools on it ("other servers").
 * Closing it closes every pool opened through it and drops the database.
 */
public abstract class TestDatabase implements AutoCloseable {
    private final List<Database> opened = new ArrayList<>();
    private Database main;

    /** The JDBC URL of this database. */
    public abstract String url();

    public abstract Dialect dialect();

    protected abstract DatabaseConfig config();

    /**
     * Makes the real database unreachable for every pool, or reachable again. Unsupported where the database
     * cannot be taken away from the test (H2 runs inside the test JVM: use a {@link FailingDataSource} there).
     */
    public void outage(boolean down) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot be taken down");
    }

    /** Drops the database after every pool is closed. */
    protected abstract void drop();

    /** The main pool, opened (and migrated) on first use. */
    public synchronized Database database() {
        if (main == null) {
            main = openAnother();
        }
        return main;
    }

    /** A second, independent pool on the same database: what another Kiban server would have. */
    public synchronized Database openAnother() {
        Database db = Database.open(config());
        opened.add(db);
        return db;
    }

    /** Closes every pool opened so far, keeping the database; {@link #database()} opens a new one. */
    public synchronized void closePools() {
        for (Database db : opened) {
            db.close();
        }
        opened.clear();
        main = null;
    }

    @Override
    public synchronized void close() {
        closePools();
        drop();
    }
}
