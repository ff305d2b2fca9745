package io.kiban.bench.workload;

import java.util.List;

/**
 * Replays a trace: request {@code i} is sent at the row's offset with a filler prompt of the row's input length and
 * {@code max_tokens} = the row's output length, both optionally capped for small models. Mooncake rows build their
 * prompt from {@code hash_ids} so that recorded prefix reuse is real text reuse.
 */
public final class TraceWorkload implements Workload {
    /** Tokens per Mooncake hash block. */
    public static final int MOONCAKE_BLOCK = 512;

    private final List<TraceRow> rows;
    private final int maxInputTokens;
    private final int maxOutputTokens;

    /** @param maxInputTokens cap on prompt length, 0 = none; {@code maxOutputTokens} likewise */
    public TraceWorkload(List<TraceRow> rows, int maxInputTokens, int maxOutputTokens) {
        this.rows = List.copyOf(rows);
        this.maxInputTokens = maxInputTokens;
        this.maxOutputTokens = maxOutputTokens;
    }

    @Override
    public String name() {
        return "trace";
    }

    @Override
    public boolean timed() {
        return true;
    }

    @Override
    public long size() {
        return rows.size();
    }

    /** The trace's mean arrival rate (requests per second) after time compression. */
    public double meanRate() {
        if (rows.size() < 2) {
            return 0;
        }
        long span = rows.getLast().offsetNanos() - rows.getFirst().offsetNanos();
        return span <= 0 ? 0 : (rows.size() - 1) / (span / 1e9);
    }

    /** Seconds from the first to the last arrival. */
    public double spanSeconds() {
        return rows.isEmpty() ? 0 : rows.getLast().offsetNanos() / 1e9;
    }

    @Override
    public Prompt prompt(long i) {
        if (i >= rows.size()) {
            return null;
        }
        TraceRow r = rows.get((int) i);
        int in = Math.max(1, maxInputTokens > 0 ? Math.min(maxInputTokens, r.inputTokens()) : r.inputTokens());
        int out = Math.max(1, maxOutputTokens > 0 ? Math.min(maxOutputTokens, r.outputTokens()) : r.outputTokens());
        String text = r.hashIds() != null && r.hashIds().length > 0
                ? FillerText.blocks(r.hashIds(), MOONCAKE_BLOCK, in)
                : FillerText.words(i * 0x9E3779B97F4A7C15L + 1, in);
        return new Prompt(text, out, r.offsetNanos());
    }
}
