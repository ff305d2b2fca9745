package io.kiban.store.keys;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Hands out key revisions from the one-row {@code key_revision} table.
 *
 * <p>Implementation notes. A sequence would be simpler but unsafe for a change feed: transaction A takes
 * revision 10, B takes 11, B commits first, a poller sees 11 and moves its high-water mark past 10, then A commits
 * and its change is never seen. Here a writer bumps the counter with {@code UPDATE}, whose row lock is held until
 * the writer commits, so the next writer cannot even obtain its revision before the previous one is visible.
 * The visible revisions are therefore always a prefix of the handed-out ones, and "revision > last seen" misses
 * nothing. The cost is that key changes are serialised, which is fine for admin-speed operations; nothing on the
 * request path takes this lock ({@code last_used_at} updates do not change revisions).
 */
public final class KeyRevisions {
    private KeyRevisions() {}

    /** Takes the next revision inside the caller's transaction (the lock is held until it ends). */
    public static long next(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE key_revision SET revision = revision + 1 WHERE id = 1")) {
            ps.executeUpdate();
        }
        return current(c);
    }

    /** The last revision handed out and visible to this connection. */
    public static long current(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT revision FROM key_revision WHERE id = 1");
                ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * Gives every key of a user a new revision, inside the caller's transaction, so that key caches re-read them
     * together with the user's new active flag and role.
     */
    public static void touchKeysOfUser(Connection c, String userId) throws SQLException {
        long revision = next(c);
        try (PreparedStatement ps = c.prepareStatement("UPDATE api_keys SET revision = ? WHERE user_id = ?")) {
            ps.setLong(1, revision);
            ps.setString(2, userId);
            ps.executeUpdate();
        }
    }
}
