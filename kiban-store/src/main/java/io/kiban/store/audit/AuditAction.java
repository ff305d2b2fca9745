package io.kiban.store.audit;

/** Names of the audited actions the issue asks for. Stored as given; new actions need no migration. */
public final class AuditAction {
    public static final String KEY_CREATED = "key.created";
    public static final String KEY_UPDATED = "key.updated";
    public static final String KEY_ROTATED = "key.rotated";
    public static final String KEY_REVOKED = "key.revoked";
    public static final String USER_ROLE_CHANGED = "user.role_changed";
    public static final String USER_DEACTIVATED = "user.deactivated";
    public static final String HISTORY_READ_BY_ADMIN = "history.read_by_admin";
    public static final String AUTHENTICATION_FAILED = "auth.failed";

    private AuditAction() {}
}
