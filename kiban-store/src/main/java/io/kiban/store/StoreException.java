package io.kiban.store;

import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientException;

/**
 * An unchecked wrapper for a failed database operation, which says whether the database was unavailable (worth
 * retrying later) or the statement itself was rejected (retrying will not help).
 */
public final class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StoreException(String message, SQLException cause) {
        super(message + ": " + cause.getMessage(), cause);
    }

    /** The SQLState of the underlying error, or null. */
    public String sqlState() {
        return getCause() instanceof SQLException e ? e.getSQLState() : null;
    }

    /** True when the error means "database unreachable or busy", not "this data or statement is wrong". */
    public boolean isUnavailable() {
        return getCause() instanceof SQLException e && isUnavailable(e);
    }

    /**
     * Classifies an error. SQLState classes 22 (data), 23 (integrity) and 42 (syntax or access) are the statement's
     * fault; everything else (08 connection, 57 operator intervention, 53 insufficient resources, 40 rollback,
     * a pool timeout with no state) is treated as the database being unavailable, so the caller keeps the data and
     * retries instead of discarding it.
     */
    public static boolean isUnavailable(SQLException e) {
        if (e instanceof SQLTransientException || e instanceof SQLRecoverableException) {
            return true;
        }
        String state = e.getSQLState();
        if (state == null || state.length() < 2) {
            return true;
        }
        return switch (state.substring(0, 2)) {
            case "22", "23", "42" -> false;
            default -> true;
        };
    }

    /** True when a unique or primary-key constraint rejected the statement (an email or name already taken). */
    public boolean isConflict() {
        return getCause() instanceof SQLException e && isUniqueViolation(e);
    }

    /** True when the error is a unique or primary-key violation. */
    public static boolean isUniqueViolation(SQLException e) {
        return "23505".equals(e.getSQLState());
    }
}
