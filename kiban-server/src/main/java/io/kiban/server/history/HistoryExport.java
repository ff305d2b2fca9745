package io.kiban.server.history;

import io.kiban.api.Json;
import io.kiban.store.history.HistoryFilter;
import io.kiban.store.history.SortOrder;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * Streams a user's history as JSON Lines, one {@link HistoryJson#record} per line, straight from the database
 * cursor to the client: constant memory for any size. A client that goes away ends the export (and frees the
 * cursor) at the next write.
 */
final class HistoryExport {
    private HistoryExport() {}

    static void write(HttpServletResponse res, HistoryService history, String userId, HistoryFilter filter,
            SortOrder order) throws IOException {
        res.setStatus(200);
        res.setContentType("application/x-ndjson");
        res.setCharacterEncoding("UTF-8");
        res.setHeader("Content-Disposition", "attachment; filename=\"kiban-history.jsonl\"");
        OutputStream out = new BufferedOutputStream(res.getOutputStream(), 64 * 1024);
        try {
            history.export(userId, filter, order, r -> {
                try {
                    out.write(Json.MAPPER.writeValueAsBytes(HistoryJson.record(r)));
                    out.write('\n');
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            out.flush();
        } catch (UncheckedIOException clientGone) {
            // The client stopped reading; nothing more to send.
        }
    }
}
