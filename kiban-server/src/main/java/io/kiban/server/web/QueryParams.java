package io.kiban.server.web;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.store.history.SortOrder;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Parsing of query parameters shared by the history, usage and quota routes; a bad value is a 400 naming it. */
public final class QueryParams {
    private QueryParams() {}

    /**
     * A point in time: Unix seconds ({@code 1732233600}), an ISO-8601 instant or date-time with offset
     * ({@code 2026-11-22T09:00:00+09:00}), or a date ({@code 2026-11-22}, the start of that day in UTC). Null if absent.
     */
    public static Instant instant(String name, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String v = value.trim();
        try {
            if (v.chars().allMatch(Character::isDigit)) {
                return Instant.ofEpochSecond(Long.parseLong(v));
            }
            if (v.length() == 10) {
                return LocalDate.parse(v).atStartOfDay(ZoneOffset.UTC).toInstant();
            }
            return OffsetDateTime.parse(v).toInstant();
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new ApiException(ApiError.invalidParam(name, "'" + name + "' must be Unix seconds, an ISO-8601 "
                    + "date (2026-11-22) or date-time with offset (2026-11-22T09:00:00Z); got '" + shorten(v) + "'."));
        }
    }

    /** A page size between 1 and {@code max}, {@code fallback} when absent. */
    public static int limit(String name, String value, int fallback, int max) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value.trim());
            if (n >= 1 && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new ApiException(ApiError.invalidParam(name, "'" + name + "' must be a whole number from 1 to " + max
                + "; got '" + shorten(value) + "'."));
    }

    public static SortOrder order(String value, SortOrder fallback) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "asc" -> SortOrder.ASC;
            case "desc" -> SortOrder.DESC;
            default -> throw new ApiException(ApiError.invalidParam("order", "'order' must be asc or desc."));
        };
    }

    /** OpenAI's {@code metadata[key]=value} filters, from all query parameters. */
    public static Map<String, String> metadata(Map<String, String[]> params) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, String[]> e : params.entrySet()) {
            String k = e.getKey();
            if (k.startsWith("metadata[") && k.endsWith("]") && k.length() > 10 && e.getValue().length > 0) {
                out.put(k.substring(9, k.length() - 1), e.getValue()[0]);
            }
        }
        return out;
    }

    /** Values of a repeatable parameter, also accepting {@code name[]} and comma-separated lists. */
    public static List<String> list(Map<String, String[]> params, String name) {
        List<String> out = new ArrayList<>();
        for (String key : new String[] {name, name + "[]"}) {
            String[] values = params.get(key);
            if (values != null) {
                for (String v : values) {
                    for (String part : v.split(",")) {
                        if (!part.isBlank()) {
                            out.add(part.trim());
                        }
                    }
                }
            }
        }
        return out;
    }

    public static String shorten(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "…" : s;
    }
}
