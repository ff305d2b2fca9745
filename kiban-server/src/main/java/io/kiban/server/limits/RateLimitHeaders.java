package io.kiban.server.limits;

import java.util.List;

/**
 * OpenAI's rate-limit response headers: {@code x-ratelimit-limit-requests}, {@code -remaining-requests},
 * {@code -reset-requests} and the same for {@code -tokens}. Resets are written as OpenAI writes them, in Go's
 * duration format ({@code 1s}, {@code 6m0s}, {@code 250ms}, {@code 1h2m3s}).
 */
final class RateLimitHeaders {
    static final String LIMIT_REQUESTS = "x-ratelimit-limit-requests";
    static final String REMAINING_REQUESTS = "x-ratelimit-remaining-requests";
    static final String RESET_REQUESTS = "x-ratelimit-reset-requests";
    static final String LIMIT_TOKENS = "x-ratelimit-limit-tokens";
    static final String REMAINING_TOKENS = "x-ratelimit-remaining-tokens";
    static final String RESET_TOKENS = "x-ratelimit-reset-tokens";

    private RateLimitHeaders() {}

    static void requests(List<String> out, long limit, long remaining, long resetNanos) {
        out.add(LIMIT_REQUESTS);
        out.add(Long.toString(limit));
        out.add(REMAINING_REQUESTS);
        out.add(Long.toString(remaining));
        out.add(RESET_REQUESTS);
        out.add(duration(resetNanos));
    }

    static void tokens(List<String> out, long limit, long remaining, long resetNanos) {
        out.add(LIMIT_TOKENS);
        out.add(Long.toString(limit));
        out.add(REMAINING_TOKENS);
        out.add(Long.toString(remaining));
        out.add(RESET_TOKENS);
        out.add(duration(resetNanos));
    }

    /** Go's {@code time.Duration.String()} for non-negative durations, rounded to the millisecond. */
    static String duration(long nanos) {
        long ms = Math.max(0, (nanos + 999_999) / 1_000_000);
        if (ms == 0) {
            return "0s";
        }
        if (ms < 1000) {
            return ms + "ms";
        }
        long hours = ms / 3_600_000;
        long minutes = ms / 60_000 % 60;
        long millisOfMinute = ms % 60_000;
        var sb = new StringBuilder();
        if (hours > 0) {
            sb.append(hours).append('h');
        }
        if (hours > 0 || minutes > 0) {
            sb.append(minutes).append('m');
        }
        sb.append(millisOfMinute / 1000);
        long frac = millisOfMinute % 1000;
        if (frac != 0) {
            String f = String.format("%03d", frac);
            int end = f.length();
            while (f.charAt(end - 1) == '0') {
                end--;
            }
            sb.append('.').append(f, 0, end);
        }
        return sb.append('s').toString();
    }
}
