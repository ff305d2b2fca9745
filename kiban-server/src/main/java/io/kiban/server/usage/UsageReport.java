package io.kiban.server.usage;

import io.kiban.api.Json;
import io.kiban.store.usage.UsageDimension;
import io.kiban.store.usage.UsageRow;
import java.util.List;
import java.util.Locale;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/** A usage report's rows rendered as Kiban's JSON or as CSV. Only the grouped dimensions appear as fields/columns. */
final class UsageReport {
    private UsageReport() {}

    static ObjectNode json(UsageParams q, List<UsageRow> rows) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("object", "usage.report");
        o.put("from", q.from().toString());
        o.put("to", q.to().toString());
        o.put("bucket", q.bucket().name().toLowerCase(Locale.ROOT));
        ArrayNode groups = o.putArray("group_by");
        q.groupBy().stream().sorted().forEach(d -> groups.add(name(d)));
        ArrayNode data = o.putArray("data");
        long requests = 0;
        long errors = 0;
        long in = 0;
        long out = 0;
        for (UsageRow r : rows) {
            ObjectNode row = data.addObject();
            row.put("bucket_start", r.bucketStart().toString());
            for (UsageDimension d : q.groupBy().stream().sorted().toList()) {
                row.put(name(d), value(r, d));
            }
            counters(row, r.requests(), r.errors(), r.promptTokens(), r.completionTokens());
            requests += r.requests();
            errors += r.errors();
            in += r.promptTokens();
            out += r.completionTokens();
        }
        counters(o.putObject("total"), requests, errors, in, out);
        return o;
    }

    static String csv(UsageParams q, List<UsageRow> rows) {
        List<UsageDimension> dims = q.groupBy().stream().sorted().toList();
        StringBuilder sb = new StringBuilder("bucket_start");
        dims.forEach(d -> sb.append(',').append(name(d)));
        sb.append(",requests,errors,input_tokens,output_tokens,total_tokens\n");
        for (UsageRow r : rows) {
            sb.append(r.bucketStart());
            for (UsageDimension d : dims) {
                sb.append(',').append(escape(value(r, d)));
            }
            sb.append(',').append(r.requests()).append(',').append(r.errors()).append(',').append(r.promptTokens())
                    .append(',').append(r.completionTokens()).append(',').append(r.totalTokens()).append('\n');
        }
        return sb.toString();
    }

    private static void counters(ObjectNode o, long requests, long errors, long in, long out) {
        o.put("requests", requests);
        o.put("errors", errors);
        o.put("input_tokens", in);
        o.put("output_tokens", out);
        o.put("total_tokens", in + out);
    }

    static String name(UsageDimension d) {
        return switch (d) {
            case USER -> "user_id";
            case KEY -> "key_id";
            case PROJECT -> "project_id";
            case MODEL -> "model";
        };
    }

    static String value(UsageRow r, UsageDimension d) {
        return switch (d) {
            case USER -> r.userId();
            case KEY -> r.keyId();
            case PROJECT -> r.projectId();
            case MODEL -> r.model();
        };
    }

    /** RFC 4180: quote a field with a comma, quote or line break; formula-looking fields get a leading quote. */
    static String escape(String v) {
        if (v == null) {
            return "";
        }
        String s = !v.isEmpty() && "=+-@".indexOf(v.charAt(0)) >= 0 ? "'" + v : v;
        return s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")
                ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }
}
