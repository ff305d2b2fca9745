package io.kiban.bench.sim;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.bench.http.ByteSink;
import io.kiban.bench.http.Exchange;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * The simulator's control endpoints, for tests and benchmark scripts:
 * <ul>
 *   <li>{@code POST /admin/ready?value=true|false}: readiness on or off ({@code /health} and {@code /v1/*} answer 503
 *       while off);
 *   <li>{@code GET /admin/stats}: counters, including prefix-cache hits and misses;
 *   <li>{@code GET|POST /admin/knobs?name=value&…}: shows or changes knobs (names as in {@link SimOverrides});
 *   <li>{@code POST /admin/reset}: zeroes the counters and empties the prefix cache.
 * </ul>
 */
final class SimAdmin {
    private SimAdmin() {}

    static void handle(SimEngine engine, Exchange ex, String action) throws Exception {
        ByteSink b = ex.out();
        switch (action) {
            case "ready" -> {
                SimEngine.requireMethod(ex.method(), "POST");
                String v = param(ex.query(), "value");
                if (v == null || !(v.equals("true") || v.equals("false"))) {
                    throw new ApiException(ApiError.invalidParam("value", "Use /admin/ready?value=true or ?value=false."));
                }
                engine.setReady(Boolean.parseBoolean(v));
                b.ascii("{\"ready\":").ascii(Boolean.toString(engine.ready())).ascii("}");
            }
            case "stats" -> stats(b, engine.stats());
            case "knobs" -> {
                if (ex.method().equals("POST") && ex.query() != null) {
                    engine.updateKnobs(k -> {
                        for (String pair : ex.query().split("&")) {
                            int eq = pair.indexOf('=');
                            if (eq > 0) {
                                String name = decode(pair.substring(0, eq));
                                k = SimOverrides.apply(k, name, decode(pair.substring(eq + 1)), name);
                            }
                        }
                        return k;
                    });
                }
                knobs(b, engine.knobs());
            }
            case "reset" -> {
                SimEngine.requireMethod(ex.method(), "POST");
                engine.resetStats();
                b.ascii("{\"reset\":true}");
            }
            default -> throw new ApiException(new ApiError.NotFound(
                    "Unknown admin action '" + action + "'; use ready, stats, knobs or reset.", null, "not_found"));
        }
        ex.send(200, SimEngine.JSON);
    }

    static void stats(ByteSink b, SimStats s) {
        b.ascii("{\"requests\":").decimal(s.requests()).ascii(",\"completed\":").decimal(s.completed())
                .ascii(",\"injected_errors\":").decimal(s.injectedErrors()).ascii(",\"rejected\":").decimal(s.rejected())
                .ascii(",\"unready\":").decimal(s.unready()).ascii(",\"dropped\":").decimal(s.dropped())
                .ascii(",\"prompt_tokens\":").decimal(s.promptTokens()).ascii(",\"completion_tokens\":")
                .decimal(s.completionTokens()).ascii(",\"cached_tokens\":").decimal(s.cachedTokens())
                .ascii(",\"prefix_hit_blocks\":").decimal(s.prefixHitBlocks()).ascii(",\"prefix_miss_blocks\":")
                .decimal(s.prefixMissBlocks()).ascii(",\"prefix_hit_rate\":").ascii(Double.toString(s.prefixHitRate()))
                .ascii(",\"active\":").decimal(s.active()).ascii(",\"queued\":").decimal(s.queued())
                .ascii(",\"cache_blocks\":").decimal(s.cacheBlocks()).ascii("}");
    }

    static void knobs(ByteSink b, SimKnobs k) {
        b.ascii("{\"ttft-ms\":").ascii(ms(k.ttft().toNanos())).ascii(",\"itl-ms\":").ascii(ms(k.itl().toNanos()))
                .ascii(",\"prefill-us-per-token\":").ascii(Double.toString(k.prefillPerToken().toNanos() / 1e3))
                .ascii(",\"tokens\":").decimal(k.tokens()).ascii(",\"chunk-bytes\":").decimal(k.chunkBytes())
                .ascii(",\"delay-ms\":").ascii(ms(k.delay().toNanos())).ascii(",\"drop-after\":").decimal(k.dropAfter())
                .ascii(",\"error-status\":").decimal(k.errorStatus()).ascii(",\"error-rate\":")
                .ascii(Double.toString(k.errorRate())).ascii(",\"error-every\":").decimal(k.errorEvery())
                .ascii(",\"embedding-dim\":").decimal(k.embeddingDim()).ascii("}");
    }

    private static String ms(long nanos) {
        return Double.toString(nanos / 1e6);
    }

    static String param(String query, String name) {
        if (query == null) {
            return null;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && decode(pair.substring(0, eq)).equals(name)) {
                return decode(pair.substring(eq + 1));
            }
        }
        return null;
    }

    private static String decode(String s) {
        return URLDecoder.decode(s, StandardCharsets.UTF_8);
    }
}
