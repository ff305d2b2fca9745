package io.kiban.bench;

import java.time.Duration;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Parses durations such as {@code 30s}, {@code 500ms}, {@code 2m}, {@code 1h} or a bare number of seconds. */
public final class DurationConverter implements ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        return parse(value);
    }

    public static Duration parse(String value) {
        String v = value.trim().toLowerCase();
        try {
            if (v.endsWith("ms")) {
                return Duration.ofNanos(Math.round(Double.parseDouble(v.substring(0, v.length() - 2)) * 1e6));
            }
            double unit = switch (v.isEmpty() ? ' ' : v.charAt(v.length() - 1)) {
                case 's' -> 1;
                case 'm' -> 60;
                case 'h' -> 3600;
                default -> 0;
            };
            String number = unit == 0 ? v : v.substring(0, v.length() - 1);
            double seconds = Double.parseDouble(number) * (unit == 0 ? 1 : unit);
            if (seconds < 0) {
                throw new NumberFormatException();
            }
            return Duration.ofNanos(Math.round(seconds * 1e9));
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is not a duration; use e.g. 30s, 500ms, 2m");
        }
    }
}
