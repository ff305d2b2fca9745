package io.kiban.store;

import java.util.Locale;
import java.util.Map;

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
    H2("CHARACTER LARGE OBJECT"),
    POSTGRESQL("TEXT");

    /** Column type for unbounded text; H2's {@code TEXT} is capped at 1,000,000 characters in PostgreSQL mode. */
    private final String largeTextType;

    Dialect(String largeTextType) {
        this.largeTextType = largeTextType;
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
        return Map.of("large_text", largeTextType);
    }

    /**
     * An upsert that adds to counters: inserts {@code keyColumns + addColumns} from parameters in that order, or,
     * when a row with the same key exists, adds each of {@code addColumns} to the stored value.
     */
    public String addingUpsert(String table, java.util.List<Column> keyColumns, java.util.List<Column> addColumns) {
        var all = new java.util.ArrayList<Column>(keyColumns);
        all.addAll(addColumns);
        String names = String.join(", ", all.stream().map(Column::name).toList());
        return switch (this) {
            case POSTGRESQL -> {
                String params = String.join(", ", all.stream().map(c -> "?").toList());
                String keys = String.join(", ", keyColumns.stream().map(Column::name).toList());
                String sets = String.join(", ", addColumns.stream()
                        .map(c -> c.name() + " = " + table + "." + c.name() + " + excluded." + c.name()).toList());
                yield "INSERT INTO " + table + " (" + names + ") VALUES (" + params + ") ON CONFLICT (" + keys
                        + ") DO UPDATE SET " + sets;
            }
            case H2 -> {
                String casts = String.join(", ", all.stream().map(c -> "CAST(? AS " + c.sqlType() + ")").toList());
                String on = String.join(" AND ", keyColumns.stream()
                        .map(c -> "t." + c.name() + " = s." + c.name()).toList());
                String sets = String.join(", ", addColumns.stream()
                        .map(c -> c.name() + " = t." + c.name() + " + s." + c.name()).toList());
                String values = String.join(", ", all.stream().map(c -> "s." + c.name()).toList());
                yield "MERGE INTO " + table + " t USING (VALUES (" + casts + ")) AS s(" + names + ") ON " + on
                        + " WHEN MATCHED THEN UPDATE SET " + sets
                        + " WHEN NOT MATCHED THEN INSERT (" + names + ") VALUES (" + values + ")";
            }
        };
    }

    /** A column of an upsert: its name and the SQL type H2 needs to type a parameter in {@code VALUES}. */
    public record Column(String name, String sqlType) {}
}
