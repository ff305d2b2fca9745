package io.kiban.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The SQL flavour of a database, for the few statements that differ between H2 and PostgreSQL.
 *
 * <p>Everything else in {@code db/migration} and the repositories is portable SQL. H2 runs in PostgreSQL
 * compatibility mode, which covers {@code INSERT … ON CONFLICT DO NOTHING} (without a conflict target) but not
 * {@code ON CONFLICT … DO UPDATE}; H2 gets the standard {@code MERGE … USING} instead. PostgreSQL also has
 * {@code MERGE}, but a concurrent insert of the same key can fail it with a unique violation, whereas
 * {@code ON CONFLICT} is atomic under concurrency, so PostgreSQL keeps its native upsert.
 */
public enum Dialect {
    H2("CHARACTER LARGE OBJECT", "CHARACTER VARYING(" + Dialect.INLINE_TEXT_CHARS + ")"),
    POSTGRESQL("TEXT", "TEXT");

    /** The longest text stored in an {@code inline_text} column; longer text goes to a {@code large_text} one. */
    public static final int INLINE_TEXT_CHARS = 32_768;

    /** Column type for unbounded text; H2's {@code TEXT} is capped at 1,000,000 characters in PostgreSQL mode. */
    private final String largeTextType;
    /** Column type for text up to {@link #INLINE_TEXT_CHARS}, stored in the row (no large-object store on H2). */
    private final String inlineTextType;

    Dialect(String largeTextType, String inlineTextType) {
        this.largeTextType = largeTextType;
        this.inlineTextType = inlineTextType;
    }

    /** Picks the dialect from a JDBC URL; anything that is not PostgreSQL or H2 is rejected. */
    public static Dialect fromJdbcUrl(String url) {
        String lower = url.toLowerCase(Locale.ROOT);
        if (lower.startsWith("jdbc:postgresql:")) {
            return POSTGRESQL;
        }
        if (lower.startsWith("jdbc:h2:")) {
            return H2;
        }
        throw new IllegalArgumentException("unsupported database URL (expected jdbc:h2: or jdbc:postgresql:): "
                + url.replaceAll("(?i)password=[^&;]*", "password=***"));
    }

    /** Flyway placeholders that the migrations use for the types that differ. */
    public Map<String, String> migrationPlaceholders() {
        return Map.of("large_text", largeTextType, "inline_text", inlineTextType);
    }

    /**
     * An upsert that adds to counters. Parameters are {@code keyColumns}, then {@code insertOnlyColumns}, then
     * {@code addColumns}, in list order. A new key inserts them all; an existing key (the table's primary key must
     * be exactly {@code keyColumns}) gets each of {@code addColumns} added to its stored value.
     */
    public String addingUpsert(String table, List<Column> keyColumns, List<Column> insertOnlyColumns,
            List<Column> addColumns) {
        var all = new ArrayList<Column>(keyColumns);
        all.addAll(insertOnlyColumns);
        all.addAll(addColumns);
        String names = join(all, Column::name);
        return switch (this) {
            case POSTGRESQL -> "INSERT INTO " + table + " (" + names + ") VALUES (" + join(all, c -> "?")
                    + ") ON CONFLICT (" + join(keyColumns, Column::name) + ") DO UPDATE SET "
                    + join(addColumns, c -> c.name() + " = " + table + "." + c.name() + " + excluded." + c.name());
            case H2 -> "MERGE INTO " + table + " t USING (VALUES (" + join(all, c -> "CAST(? AS " + c.sqlType() + ")")
                    + ")) AS s(" + names + ") ON "
                    + String.join(" AND ", keyColumns.stream().map(c -> "t." + c.name() + " = s." + c.name()).toList())
                    + " WHEN MATCHED THEN UPDATE SET "
                    + join(addColumns, c -> c.name() + " = t." + c.name() + " + s." + c.name())
                    + " WHEN NOT MATCHED THEN INSERT (" + names + ") VALUES (" + join(all, c -> "s." + c.name()) + ")";
        };
    }

    private static String join(List<Column> columns, Function<Column, String> f) {
        return String.join(", ", columns.stream().map(f).toList());
    }

    /** A column of an upsert: its name and the SQL type H2 needs to type a parameter in {@code VALUES}. */
    public record Column(String name, String sqlType) {}
}
