package io.kiban.store.quota;

import java.util.Locale;
import java.util.Objects;

/** Whose budget a quota is: a user's or a project's. */
public record QuotaSubject(Type type, String id) {
    public enum Type {
        USER,
        PROJECT;

        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Type fromWire(String value) {
            return valueOf(value.toUpperCase(Locale.ROOT));
        }
    }

    public QuotaSubject {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(id, "id");
    }

    public static QuotaSubject user(String userId) {
        return new QuotaSubject(Type.USER, userId);
    }

    public static QuotaSubject project(String projectId) {
        return new QuotaSubject(Type.PROJECT, projectId);
    }
}
