package io.kiban.store.recorder;

import java.time.Duration;

/**
 * Hooks for metrics and logs (Micrometer lives in the server; this module has no metrics dependency). Called on
 * the Recorder's writer thread, except {@link #spooled} for overflow, which runs on the submitting thread. Keep
 * implementations fast and non-throwing.
 */
public interface RecorderListener {
    RecorderListener NONE = new RecorderListener() {};

    /** A batch was committed: its size and how long the transaction took. */
    default void written(int entries, Duration latency) {}

    /**
     * Entries were parked in the spool; reason is {@code database-unavailable}, {@code queue-full},
     * {@code behind-spool} (queued behind older spooled entries, to keep order), {@code close-timeout} or
     * {@code closed}.
     */
    default void spooled(int entries, String reason) {}

    /** Spooled entries reached the database. */
    default void replayed(int entries) {}

    /** The database refused entries as invalid; they are kept in {@code rejected.log}. */
    default void rejected(int entries, Exception cause) {}

    /** The database became unavailable. */
    default void databaseUnavailable(Exception cause) {}

    /** The database is reachable again after being unavailable for {@code outage}. */
    default void databaseRecovered(Duration outage) {}
}
