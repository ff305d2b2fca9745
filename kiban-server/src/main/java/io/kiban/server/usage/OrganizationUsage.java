package io.kiban.server.usage;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.api.Json;
import io.kiban.server.web.QueryParams;
import io.kiban.store.usage.BucketWidth;
import io.kiban.store.usage.UsageDimension;
import io.kiban.store.usage.UsageQuery;
import io.kiban.store.usage.UsageRow;
import io.kiban.store.usage.UsageScope;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * OpenAI's Usage API for completions ({@code GET /v1/organization/usage/completions}) over Kiban's hourly counters:
 * {@code start_time} (required) and {@code end_time} in Unix seconds, {@code bucket_width} {@code 1h} or {@code 1d}
 * (UTC-aligned; {@code 1m} is refused, usage is counted per hour), {@code group_by} of {@code model},
 * {@code api_key_id}, {@code user_id}, {@code project_id}, filters {@code models}, {@code api_key_ids},
 * {@code user_ids}, {@code project_ids}, and paging with {@code limit} (buckets per page) and {@code page}
 * (the previous answer's {@code next_page}). Every bucket of the page is listed, with empty {@code results} when
 * nothing was used.
 *
 * <p>Filters on dimensions that are not grouped by are applied by grouping by them too and summing afterwards.
 */
final class OrganizationUsage {
    private OrganizationUsage() {}

    static ObjectNode page(UsageService usage, Map<String, String[]> params) {
        Instant start = QueryParams.instant("start_time", UsageParams.first(params, "start_time"));
        if (start == null) {
            throw new ApiException(ApiError.missingParam("start_time", "'start_time' (Unix seconds) is required."));
        }
        Instant end = QueryParams.instant("end_time", UsageParams.first(params, "end_time"));
        if (end == null) {
            end = usage.clock().instant();
        }
        String width = UsageParams.first(params, "bucket_width");
        BucketWidth bucket;
        if (width == null || width.equals("1d")) {
            bucket = BucketWidth.DAY;
        } else if (width.equals("1h")) {
            bucket = BucketWidth.HOUR;
        } else if (width.equals("1m")) {
            throw new ApiException(ApiError.invalidParam("bucket_width", "bucket_width=1m is not supported: Kiban "
                    + "counts usage per hour. Use 1h or 1d."));
        } else {
            throw new ApiException(ApiError.invalidParam("bucket_width", "'bucket_width' must be 1h or 1d."));
        }
        Duration step = bucket == BucketWidth.DAY ? Duration.ofDays(1) : Duration.ofHours(1);
        int limit = QueryParams.limit("limit", UsageParams.first(params, "limit"), bucket == BucketWidth.DAY ? 7 : 24,
                bucket == BucketWidth.DAY ? 31 : 168);
        Instant first = start.truncatedTo(bucket == BucketWidth.DAY ? ChronoUnit.DAYS : ChronoUnit.HOURS);
        Instant pageStart = cursor(UsageParams.first(params, "page"), first);
        Instant pageEnd = pageStart.plus(step.multipliedBy(limit));
        if (pageEnd.isAfter(end)) {
            pageEnd = end;
        }

        Set<UsageDimension> groupBy = EnumSet.noneOf(UsageDimension.class);
        for (String g : QueryParams.list(params, "group_by")) {
            if (!g.equals("batch")) { // Kiban has no batch usage yet: batch stays null
                groupBy.add(UsageParams.dimension(g));
            }
        }
        Map<UsageDimension, Set<String>> filters = new LinkedHashMap<>();
        filter(filters, UsageDimension.MODEL, QueryParams.list(params, "models"));
        filter(filters, UsageDimension.KEY, QueryParams.list(params, "api_key_ids"));
        filter(filters, UsageDimension.USER, QueryParams.list(params, "user_ids"));
        filter(filters, UsageDimension.PROJECT, QueryParams.list(params, "project_ids"));
        Set<UsageDimension> queried = EnumSet.noneOf(UsageDimension.class);
        queried.addAll(groupBy);
        queried.addAll(filters.keySet());

        List<UsageRow> rows = pageStart.isBefore(pageEnd)
                ? usage.repository().query(UsageScope.all(), new UsageQuery(pageStart, pageEnd, bucket, queried, null, null))
                : List.of();
        Map<Instant, Map<List<String>, long[]>> byBucket = new LinkedHashMap<>();
        List<UsageDimension> dims = List.of(UsageDimension.PROJECT, UsageDimension.USER, UsageDimension.KEY,
                UsageDimension.MODEL);
        for (UsageRow r : rows) {
            boolean keep = filters.entrySet().stream().allMatch(f -> f.getValue().contains(
                    Objects.requireNonNullElse(UsageReport.value(r, f.getKey()), "")));
            if (!keep) {
                continue;
            }
            List<String> key = new ArrayList<>(4);
            for (UsageDimension d : dims) {
                key.add(groupBy.contains(d) ? UsageReport.value(r, d) : null);
            }
            long[] sums = byBucket.computeIfAbsent(r.bucketStart(), b -> new LinkedHashMap<>())
                    .computeIfAbsent(key, k -> new long[3]);
            sums[0] += r.promptTokens();
            sums[1] += r.completionTokens();
            sums[2] += r.requests();
        }

        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("object", "page");
        ArrayNode data = o.putArray("data");
        for (Instant b = pageStart; b.isBefore(pageEnd); b = b.plus(step)) {
            ObjectNode bucketNode = data.addObject();
            bucketNode.put("object", "bucket");
            bucketNode.put("start_time", b.getEpochSecond());
            bucketNode.put("end_time", b.plus(step).getEpochSecond());
            ArrayNode results = bucketNode.putArray("results");
            for (Map.Entry<List<String>, long[]> e : byBucket.getOrDefault(b, Map.of()).entrySet()) {
                ObjectNode res = results.addObject();
                res.put("object", "organization.usage.completions.result");
                res.put("input_tokens", e.getValue()[0]);
                res.put("output_tokens", e.getValue()[1]);
                res.put("input_cached_tokens", 0);
                res.put("input_audio_tokens", 0);
                res.put("output_audio_tokens", 0);
                res.put("num_model_requests", e.getValue()[2]);
                res.put("project_id", e.getKey().get(0));
                res.put("user_id", e.getKey().get(1));
                res.put("api_key_id", e.getKey().get(2));
                res.put("model", e.getKey().get(3));
                res.putNull("batch");
            }
        }
        boolean more = pageEnd.isBefore(end);
        o.put("has_more", more);
        o.put("next_page", more ? "page_" + Long.toString(pageEnd.getEpochSecond(), 36) : null);
        return o;
    }

    private static void filter(Map<UsageDimension, Set<String>> filters, UsageDimension d, List<String> values) {
        if (!values.isEmpty()) {
            filters.put(d, Set.copyOf(values));
        }
    }

    private static Instant cursor(String page, Instant first) {
        if (page == null) {
            return first;
        }
        try {
            if (page.startsWith("page_")) {
                Instant at = Instant.ofEpochSecond(Long.parseLong(page.substring(5), 36));
                if (!at.isBefore(first)) {
                    return at;
                }
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new ApiException(ApiError.invalidParam("page", "'page' must be the next_page value of the previous "
                + "answer for the same start_time."));
    }
}
