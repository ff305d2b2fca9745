package io.kiban.bench.workload;

import io.kiban.api.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Reads request traces:
 * <ul>
 *   <li>Azure LLM inference traces: CSV {@code TIMESTAMP,ContextTokens,GeneratedTokens}, timestamps like
 *       {@code 2023-11-16 18:17:03.9799600};
 *   <li>Mooncake traces: JSON lines {@code {"timestamp": ms, "input_length", "output_length", "hash_ids": [...]}}.
 * </ul>
 * Offsets are taken from the first row and divided by {@code speedup}; rows are kept in file order.
 */
public final class TraceReader {
    private static final DateTimeFormatter AZURE = new DateTimeFormatterBuilder().appendPattern("yyyy-MM-dd HH:mm:ss")
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd().toFormatter();

    public enum Format { AZURE, MOONCAKE, AUTO }

    private TraceReader() {}

    /** Reads at most {@code limit} rows ({@code limit <= 0}: all). */
    public static List<TraceRow> read(Path file, Format format, double speedup, int limit) throws IOException {
        if (speedup <= 0) {
            throw new IllegalArgumentException("speedup must be positive");
        }
        List<TraceRow> rows = new ArrayList<>();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String first = r.readLine();
            if (first == null) {
                return rows;
            }
            Format f = format != Format.AUTO ? format : first.stripLeading().startsWith("{") ? Format.MOONCAKE : Format.AZURE;
            long origin = Long.MIN_VALUE;
            int lineNo = 1;
            for (String line = first; line != null && (limit <= 0 || rows.size() < limit); line = r.readLine(), lineNo++) {
                line = line.strip();
                if (line.isEmpty() || (f == Format.AZURE && line.toUpperCase().startsWith("TIMESTAMP"))) {
                    continue;
                }
                long[] t = new long[1];
                TraceRow row;
                try {
                    row = f == Format.AZURE ? azure(line, t) : mooncake(line, t);
                } catch (RuntimeException e) {
                    throw new IOException(file + ":" + lineNo + ": cannot read trace row (" + e.getMessage() + "): " + line, e);
                }
                if (origin == Long.MIN_VALUE) {
                    origin = t[0];
                }
                rows.add(new TraceRow(Math.round(Math.max(0, t[0] - origin) / speedup), row.inputTokens(),
                        row.outputTokens(), row.hashIds()));
            }
        }
        return rows;
    }

    private static TraceRow azure(String line, long[] timeNanos) {
        String[] f = line.split(",");
        if (f.length < 3) {
            throw new IllegalArgumentException("expected TIMESTAMP,ContextTokens,GeneratedTokens");
        }
        LocalDateTime ts = LocalDateTime.parse(f[0].strip(), AZURE);
        timeNanos[0] = ts.toEpochSecond(ZoneOffset.UTC) * 1_000_000_000L + ts.getNano();
        return new TraceRow(0, Integer.parseInt(f[1].strip()), Integer.parseInt(f[2].strip()), null);
    }

    private static TraceRow mooncake(String line, long[] timeNanos) {
        JsonNode n = Json.MAPPER.readTree(line);
        timeNanos[0] = Math.round(n.path("timestamp").asDouble() * 1_000_000);
        JsonNode ids = n.get("hash_ids");
        long[] hashIds = null;
        if (ids != null && ids.isArray()) {
            hashIds = new long[ids.size()];
            for (int i = 0; i < hashIds.length; i++) {
                hashIds[i] = ids.get(i).asLong();
            }
        }
        return new TraceRow(0, n.path("input_length").asInt(), n.path("output_length").asInt(), hashIds);
    }
}
