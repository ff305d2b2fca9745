package io.kiban.store.history;

/** Direction of a listing by creation time (OpenAI's {@code order=asc|desc}). */
public enum SortOrder {
    ASC,
    DESC
}
