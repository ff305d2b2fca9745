package io.kiban.bench.load;

import org.HdrHistogram.Histogram;

/**
 * Summary of one latency-like distribution, in milliseconds.
 *
 * @param count number of samples
 */
public record Stats(long count, double mean, double p50, double p90, double p99, double p999, double max) {
    public static final Stats EMPTY = new Stats(0, 0, 0, 0, 0, 0, 0);

    /** From a histogram of microseconds. */
    static Stats ofMicros(Histogram h) {
        if (h.getTotalCount() == 0) {
            return EMPTY;
        }
        return new Stats(h.getTotalCount(), h.getMean() / 1e3, h.getValueAtPercentile(50) / 1e3,
                h.getValueAtPercentile(90) / 1e3, h.getValueAtPercentile(99) / 1e3, h.getValueAtPercentile(99.9) / 1e3,
                h.getMaxValue() / 1e3);
    }
}
