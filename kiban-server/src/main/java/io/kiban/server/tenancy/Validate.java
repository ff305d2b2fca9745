package io.kiban.server.tenancy;

import java.util.Locale;
import java.util.regex.Pattern;

/** Checks of user-supplied text, with messages that name the field and say what is allowed. */
final class Validate {
    private static final Pattern EMAIL = Pattern.compile("[^\\s@]+@[^\\s@]+");

    private Validate() {}

    /** A display name: trimmed, 1 to {@code max} characters, no control characters (they break logs and tables). */
    static String name(String param, String value, int max) {
        if (value == null) {
            throw Problems.missing(param);
        }
        String v = value.strip();
        if (v.isEmpty() || v.length() > max) {
            throw Problems.invalid(param, "'" + param + "' must have 1 to " + max + " characters.");
        }
        if (v.chars().anyMatch(Character::isISOControl)) {
            throw Problems.invalid(param, "'" + param + "' must not contain control characters (such as line breaks).");
        }
        return v;
    }

    /** Optional free text: null stays null; otherwise at most {@code max} characters. */
    static String text(String param, String value, int max) {
        if (value == null) {
            return null;
        }
        if (value.length() > max) {
            throw Problems.invalid(param, "'" + param + "' must have at most " + max + " characters.");
        }
        return value;
    }

    /** An email address, lower-cased so that uniqueness ignores case. */
    static String email(String value) {
        if (value == null) {
            throw Problems.missing("email");
        }
        String v = value.strip().toLowerCase(Locale.ROOT);
        if (v.length() > 320 || !EMAIL.matcher(v).matches() || v.chars().anyMatch(Character::isISOControl)) {
            throw Problems.invalid("email", "'email' must be an address such as alice@example.ac.jp.");
        }
        return v;
    }

    /** A page size: 1 to 100, default 20 (OpenAI's list limits). */
    static int limit(Integer limit) {
        if (limit == null) {
            return 20;
        }
        if (limit < 1 || limit > 100) {
            throw Problems.invalid("limit", "'limit' must be between 1 and 100.");
        }
        return limit;
    }
}
