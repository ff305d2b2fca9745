package io.kiban.store.tenancy;

import java.util.Locale;

/** A user's platform role. */
public enum Role {
    ADMIN,
    USER;

    /** The value stored in the database and shown on the wire. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Role fromWire(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
