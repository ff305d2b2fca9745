package io.kiban.store.quota;

import io.kiban.store.Database;
import io.kiban.store.Jdbc;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Token quotas and the grant ledger that enforces them across every server sharing the database.
 *
 * <h2>Implementation notes: the enforcement algorithm (store side here, request side in the gateway)</h2>
 *
 * <p>No server asks the database per request. Each server holds, per (subject, period), a local allowance of
 * tokens it was granted; a request reserves its estimate (prompt tokens + {@code max_tokens}, an upper bound on
 * what it can cost) from that allowance in memory, and settles after the response, giving back the difference
 * between estimate and actual. Only when the allowance cannot cover a reservation does the server call
 * {@link #grant} for more: once per chunk, not per request (a chunk of, say, 5 % of the limit; it can also be
 * prefetched in the background below a low-water mark). Allowance left idle is returned with
 * {@link #giveBack}, so it is not stranded on a quiet server. The full request-side algorithm, with the numbers
 * for the 429 response, is in the module README.
 *
 * <p>{@link #grant} runs in one transaction that locks the period's ledger row ({@code SELECT … FOR UPDATE}), so
 * grants from all servers are serialised and their sum never exceeds the limit, with one exception that bounds
 * the overspend: when what remains is more than zero but less than the request needs, the ledger hands out the
 * remainder marked {@link Grant#last()} and records {@code final_grant}; the request is admitted as the period's
 * last and may overshoot by at most its own estimate minus that remainder. After that, only grants that fit
 * entirely are given (returned tokens can be re-granted, but never as a second "last" grant). So, across all
 * servers and any concurrency, tokens consumed in a period ≤ limit + one request's estimate.
 *
 * <p>Known edges, as scenarios:
 * <ol>
 *   <li>A server crashes holding an allowance: those tokens stay granted until the period ends. The subject can
 *       spend less than its limit, never more; the loss is bounded by one chunk per crash.
 *   <li>An admin lowers a limit below what is already granted: no further grants; allowances already handed out
 *       can still be spent (at most one chunk per server).
 *   <li>A request's actual cost exceeds its estimate (the gateway failed to cap {@code max_tokens}): the excess
 *       is charged to the allowance, which goes negative and must be covered by the next grant; it is overspend
 *       outside the guarantee, so the gateway must make estimates true upper bounds.
 * </ol>
 */
public final class QuotaRepository {
    private final Database db;

    public QuotaRepository(Database db) {
        this.db = db;
    }

    /** Creates or replaces the quota for its subject and period. */
    public void put(Quota quota) {
        db.inTransaction(c -> {
            int updated;
            try (PreparedStatement ps = c.prepareStatement("UPDATE quotas SET token_limit = ?, updated_at = ? "
                    + "WHERE subject_type = ? AND subject_id = ? AND period = ?")) {
                Jdbc.bind(ps, quota.tokenLimit(), quota.updatedAt(), quota.subject().type().wire(),
                        quota.subject().id(), quota.period().wire());
                updated = ps.executeUpdate();
            }
            if (updated == 0) {
                try (PreparedStatement ps = c.prepareStatement("INSERT INTO quotas (subject_type, subject_id, "
                        + "period, token_limit, updated_at) VALUES (?, ?, ?, ?, ?)")) {
                    Jdbc.bind(ps, quota.subject().type().wire(), quota.subject().id(), quota.period().wire(),
                            quota.tokenLimit(), quota.updatedAt());
                    ps.executeUpdate();
                }
            }
            return null;
        });
    }

    /** Removes a quota; false if there was none. */
    public boolean remove(QuotaSubject subject, QuotaPeriod period) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "DELETE FROM quotas WHERE subject_type = ? AND subject_id = ? AND period = ?")) {
                Jdbc.bind(ps, subject.type().wire(), subject.id(), period.wire());
                return ps.executeUpdate() == 1;
            }
        });
    }

    public Optional<Quota> find(QuotaSubject subject, QuotaPeriod period) {
        return query(" WHERE subject_type = ? AND subject_id = ? AND period = ?", subject.type().wire(),
                subject.id(), period.wire()).stream().findFirst();
    }

    /** The quotas of one subject. */
    public List<Quota> forSubject(QuotaSubject subject) {
        return query(" WHERE subject_type = ? AND subject_id = ? ORDER BY period", subject.type().wire(),
                subject.id());
    }

    /** Every quota: what a gateway loads into memory (and reloads every few seconds) to know the limits. */
    public List<Quota> all() {
        return query(" ORDER BY subject_type, subject_id, period");
    }

    /**
     * Hands this server tokens from the subject's budget for the period starting at {@code periodStart}.
     *
     * @param limit the quota's current token limit
     * @param needed the least that lets the waiting request through (its estimate minus the local allowance)
     * @param wanted what the caller would like, {@code needed} plus a chunk to serve later requests locally
     * @return {@code wanted} or less but at least {@code needed} when the budget covers it; otherwise the remainder
     *     marked {@link Grant#last()} if this period's last grant has not been given yet; otherwise {@link
     *     Grant#NONE}
     */
    public Grant grant(QuotaSubject subject, QuotaPeriod period, Instant periodStart, long limit, long needed,
            long wanted) {
        if (needed < 0 || wanted < needed) {
            throw new IllegalArgumentException("need 0 <= needed <= wanted");
        }
        return db.inTransaction(c -> {
            ensureLedgerRow(c, subject, period, periodStart);
            long granted;
            boolean finalGiven;
            try (PreparedStatement ps = c.prepareStatement("SELECT granted, final_grant FROM quota_grants "
                    + "WHERE subject_type = ? AND subject_id = ? AND period = ? AND period_start = ? FOR UPDATE")) {
                Jdbc.bind(ps, subject.type().wire(), subject.id(), period.wire(), periodStart);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    granted = rs.getLong("granted");
                    finalGiven = rs.getBoolean("final_grant");
                }
            }
            long remaining = Math.max(0, limit - granted);
            Grant grant;
            if (remaining >= needed) {
                grant = new Grant(Math.min(wanted, remaining), false);
            } else if (remaining > 0 && !finalGiven) {
                grant = new Grant(remaining, true);
            } else {
                return Grant.NONE;
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE quota_grants SET granted = granted + ?, "
                    + "final_grant = ? WHERE subject_type = ? AND subject_id = ? AND period = ? "
                    + "AND period_start = ?")) {
                Jdbc.bind(ps, grant.tokens(), finalGiven || grant.last(), subject.type().wire(), subject.id(),
                        period.wire(), periodStart);
                ps.executeUpdate();
            }
            return grant;
        });
    }

    /** Returns unused tokens of a grant to the subject's budget, so other servers can be granted them. */
    public void giveBack(QuotaSubject subject, QuotaPeriod period, Instant periodStart, long tokens) {
        if (tokens <= 0) {
            return;
        }
        db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("UPDATE quota_grants SET granted = granted - ? "
                    + "WHERE subject_type = ? AND subject_id = ? AND period = ? AND period_start = ? "
                    + "AND granted >= ?")) {
                Jdbc.bind(ps, tokens, subject.type().wire(), subject.id(), period.wire(), periodStart, tokens);
                return ps.executeUpdate();
            }
        });
    }

    /** Tokens granted so far in a period (for health and admin views; the spend itself is in usage). */
    public long granted(QuotaSubject subject, QuotaPeriod period, Instant periodStart) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT granted FROM quota_grants WHERE subject_type = ? "
                    + "AND subject_id = ? AND period = ? AND period_start = ?")) {
                Jdbc.bind(ps, subject.type().wire(), subject.id(), period.wire(), periodStart);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getLong(1) : 0L;
                }
            }
        });
    }

    /** Deletes ledger rows of periods that started before the cutoff. */
    public int purgeGrantsBefore(Instant cutoff) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement("DELETE FROM quota_grants WHERE period_start < ?")) {
                Jdbc.bind(ps, cutoff);
                return ps.executeUpdate();
            }
        });
    }

    private static void ensureLedgerRow(Connection c, QuotaSubject subject, QuotaPeriod period, Instant start)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO quota_grants (subject_type, subject_id, period, "
                + "period_start, granted, final_grant) VALUES (?, ?, ?, ?, 0, FALSE) ON CONFLICT DO NOTHING")) {
            Jdbc.bind(ps, subject.type().wire(), subject.id(), period.wire(), start);
            ps.executeUpdate();
        }
    }

    private List<Quota> query(String where, Object... params) {
        return db.withConnection(c -> {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT subject_type, subject_id, period, token_limit, updated_at FROM quotas" + where)) {
                Jdbc.bind(ps, params);
                var quotas = new ArrayList<Quota>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        quotas.add(new Quota(new QuotaSubject(QuotaSubject.Type.fromWire(rs.getString(1)),
                                rs.getString(2)), QuotaPeriod.fromWire(rs.getString(3)), rs.getLong(4),
                                Jdbc.getInstant(rs, "updated_at")));
                    }
                }
                return quotas;
            }
        });
    }
}
