package io.kiban.server.usage;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.server.web.QueryParams;
import io.kiban.store.usage.BucketWidth;
import io.kiban.store.usage.UsageDimension;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The parameters of Kiban's usage reports ({@code /api/v1/usage} and its admin twin): {@code from} (default 30 days
 * ago, start of day UTC), {@code to} (default now), {@code bucket} {@code day} or {@code hour}, {@code group_by}
 * (comma-separated or repeated: {@code model}, {@code key}, {@code project}, and for admins {@code user}),
 * {@code model}, {@code key_id}, {@code format} {@code json} or {@code csv}.
 */
record UsageParams(Instant from, Instant to, BucketWidth bucket, Set<UsageDimension> groupBy, String model,
        String keyId, boolean csv) {

    static final Duration MAX_DAYS = Duration.ofDays(732);
    static final Duration MAX_HOURS = Duration.ofDays(93);

    static UsageParams parse(Map<String, String[]> params, Clock clock, boolean admin) {
        Instant now = clock.instant();
        Instant from = QueryParams.instant("from", first(params, "from"));
        Instant to = QueryParams.instant("to", first(params, "to"));
        if (to == null) {
            to = now.truncatedTo(ChronoUnit.HOURS).plus(Duration.ofHours(1));
        }
        if (from == null) {
            from = to.minus(Duration.ofDays(30)).truncatedTo(ChronoUnit.DAYS);
        }
        if (!from.isBefore(to)) {
            throw new ApiException(ApiError.invalidParam("from", "'from' must be before 'to'."));
        }
        BucketWidth bucket = bucket(first(params, "bucket"));
        Duration max = bucket == BucketWidth.DAY ? MAX_DAYS : MAX_HOURS;
        if (Duration.between(from, to).compareTo(max) > 0) {
            throw new ApiException(ApiError.invalidParam("from", "A report with " + bucket.name().toLowerCase(Locale.ROOT)
                    + " buckets covers at most " + max.toDays() + " days; narrow 'from'/'to'."));
        }
        Set<UsageDimension> groupBy = EnumSet.noneOf(UsageDimension.class);
        for (String g : QueryParams.list(params, "group_by")) {
            UsageDimension d = dimension(g);
            if (d == UsageDimension.USER && !admin) {
                throw new ApiException(ApiError.invalidParam("group_by", "group_by=user is for administrators "
                        + "(GET /api/v1/admin/usage)."));
            }
            groupBy.add(d);
        }
        String format = first(params, "format");
        if (format != null && !format.equals("json") && !format.equals("csv")) {
            throw new ApiException(ApiError.invalidParam("format", "'format' must be json or csv."));
        }
        return new UsageParams(from, to, bucket, groupBy, first(params, "model"), first(params, "key_id"),
                "csv".equals(format));
    }

    static BucketWidth bucket(String value) {
        if (value == null) {
            return BucketWidth.DAY;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "day", "1d" -> BucketWidth.DAY;
            case "hour", "1h" -> BucketWidth.HOUR;
            default -> throw new ApiException(ApiError.invalidParam("bucket", "'bucket' must be day or hour "
                    + "(usage is counted per hour)."));
        };
    }

    static UsageDimension dimension(String value) {
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "model" -> UsageDimension.MODEL;
            case "key", "key_id", "api_key_id" -> UsageDimension.KEY;
            case "project", "project_id" -> UsageDimension.PROJECT;
            case "user", "user_id" -> UsageDimension.USER;
            default -> throw new ApiException(ApiError.invalidParam("group_by", "'group_by' takes model, key, "
                    + "project or user; got '" + QueryParams.shorten(value) + "'."));
        };
    }

    static String first(Map<String, String[]> params, String name) {
        String[] v = params.get(name);
        return v == null || v.length == 0 || v[0].isBlank() ? null : v[0];
    }
}
