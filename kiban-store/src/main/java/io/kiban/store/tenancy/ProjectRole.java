package io.kiban.store.tenancy;

import java.util.Locale;

/** A user's role inside one project: a manager administers its members and keys. */
public enum ProjectRole {
    MANAGER,
    MEMBER;

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static ProjectRole fromWire(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
