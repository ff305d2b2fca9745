package io.kiban.store.quota;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Locale;

/**
 * The window a token budget covers. Windows are calendar days or months in a configured time zone (a Japanese
 * university wants budgets to reset at midnight JST, not UTC).
 */
public enum QuotaPeriod {
    DAY,
    MONTH;

    /** The start of the window containing {@code now}. */
    public Instant start(Instant now, ZoneId zone) {
        LocalDate date = LocalDate.ofInstant(now, zone);
        LocalDate first = this == DAY ? date : date.withDayOfMonth(1);
        return first.atStartOfDay(zone).toInstant();
    }

    /** The end of the window containing {@code now}: when the budget resets (the 429's reset time). */
    public Instant resetAt(Instant now, ZoneId zone) {
        LocalDate date = LocalDate.ofInstant(now, zone);
        LocalDate next = this == DAY ? date.plusDays(1) : date.withDayOfMonth(1).plusMonths(1);
        return next.atStartOfDay(zone).toInstant();
    }

    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static QuotaPeriod fromWire(String value) {
        return valueOf(value.toUpperCase(Locale.ROOT));
    }
}
