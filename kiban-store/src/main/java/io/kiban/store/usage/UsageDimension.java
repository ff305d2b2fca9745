package io.kiban.store.usage;

/** A column usage can be grouped by (OpenAI's {@code group_by}). */
public enum UsageDimension {
    USER("user_id"),
    KEY("key_id"),
    PROJECT("project_id"),
    MODEL("model");

    final String column;

    UsageDimension(String column) {
        this.column = column;
    }
}
