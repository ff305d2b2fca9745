package io.kiban.bench.report;

import java.util.Locale;

/** Number formatting for reports: grouped integers, and three significant digits for small values. */
final class Fmt {
    private Fmt() {}

    static String num(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return "—";
        }
        double a = Math.abs(v);
        if (a >= 100) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", v);
        }
        if (a >= 1) {
            return String.format(Locale.ROOT, "%.2f", v);
        }
        if (a == 0) {
            return "0";
        }
        return String.format(Locale.ROOT, "%.3f", v);
    }

    /** An axis tick: integers without decimals. */
    static String tick(double v) {
        return v == Math.rint(v) ? String.format(Locale.ROOT, "%,.0f", v) : num(v);
    }

    /** Milliseconds as {@code 850 ms} or {@code 6.6 s}. */
    static String ms(double ms) {
        return ms >= 1000 ? num(ms / 1000) + " s" : num(ms) + " ms";
    }
}
