package io.kiban.store.recorder;

import io.kiban.store.Database;
import io.kiban.store.Jdbc;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;

/** The ledger of batch ids the Recorder has committed ({@code recorder_batches}). */
public final class AppliedBatches {
    private final Database db;

    public AppliedBatches(Database db) {
        this.db = db;
    }

    /**
     * Records a batch id in the caller's transaction.
     *
     * @return false if the id was already recorded: the batch was applied before and must not be applied again
     */
    static boolean markApplied(Connection c, String batchId, Instant at) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(
                "INSERT INTO recorder_batches (batch_id, applied_at) VALUES (?, ?) ON CONFLICT DO NOTHING")) {
            Jdbc.bind(ps, batchId, at);
            return ps.executeUpdate() == 1;
        }
    }

    /**
     * Forgets batches applied before the cutoff. Keep them longer than a spool can wait for replay (a server
     * that stays down longer than this and then replays a batch it had committed just before the crash would
     * apply it twice); 30 days is the suggested retention.
     */
    public int purgeOlderThan(Instant cutoff) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM recorder_batches WHERE applied_at < ?")) {
                Jdbc.bind(ps, cutoff);
                return ps.executeUpdate();
            }
        });
    }
}
