package io.kiban.server.history;

import io.kiban.api.ApiError;
import io.kiban.api.ApiException;
import io.kiban.server.web.QueryParams;
import io.kiban.store.history.HistoryFilter;
import io.kiban.store.history.HistoryKind;
import io.kiban.store.history.HistoryStatus;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** The filters of {@code GET /api/v1/history} and its export, from query parameters. */
final class HistoryParams {
    private HistoryParams() {}

    /** {@code kind} (repeatable or comma-separated), {@code model}, {@code from}, {@code to}, {@code status}, {@code key_id}, {@code metadata[k]=v}. */
    static HistoryFilter filter(Map<String, String[]> params) {
        Set<HistoryKind> kinds = new HashSet<>();
        for (String k : QueryParams.list(params, "kind")) {
            try {
                kinds.add(HistoryKind.fromWire(k));
            } catch (IllegalArgumentException e) {
                throw new ApiException(ApiError.invalidParam("kind", "'kind' must be chat, completion, embedding, "
                        + "transcription, speech or image; got '" + QueryParams.shorten(k) + "'."));
            }
        }
        HistoryStatus status = null;
        String s = first(params, "status");
        if (s != null) {
            try {
                status = HistoryStatus.fromWire(s);
            } catch (IllegalArgumentException e) {
                throw new ApiException(ApiError.invalidParam("status", "'status' must be completed, incomplete or "
                        + "error."));
            }
        }
        Instant from = QueryParams.instant("from", first(params, "from"));
        Instant to = QueryParams.instant("to", first(params, "to"));
        return new HistoryFilter(kinds, first(params, "model"), from, to, status, first(params, "key_id"),
                QueryParams.metadata(params));
    }

    static String first(Map<String, String[]> params, String name) {
        String[] v = params.get(name);
        return v == null || v.length == 0 || v[0].isBlank() ? null : v[0];
    }
}
