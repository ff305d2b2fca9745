package io.kiban.bench.load;

import java.io.PrintStream;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The progress line printed while a step runs: once a second on a terminal (rewritten in place), every ten seconds
 * otherwise (one line each, so logs stay readable). Silent when disabled.
 */
public final class Progress implements AutoCloseable {
    /** Counters at one moment. */
    public record Snapshot(long ok, long failed, long outputTokens, long totalTokens, int inFlight, double p50Ms) {}

    private final PrintStream out;
    private final boolean tty;
    private final Thread thread;
    private volatile boolean running = true;

    private Progress(PrintStream out, boolean tty, String label, long startNanos, double plannedSeconds,
            Supplier<Snapshot> source) {
        this.out = out;
        this.tty = tty;
        this.thread = out == null ? null : Thread.ofPlatform().daemon().name("bench-progress").start(() -> {
            long period = tty ? 1_000 : 10_000;
            while (running) {
                try {
                    Thread.sleep(period);
                } catch (InterruptedException e) {
                    return;
                }
                if (running) {
                    print(line(label, startNanos, plannedSeconds, source.get()));
                }
            }
        });
    }

    /** Starts printing for a step; {@code out} null disables it. */
    public static Progress start(PrintStream out, String label, long startNanos, double plannedSeconds,
            Supplier<Snapshot> source) {
        boolean tty = out != null && System.console() != null && System.console().isTerminal();
        return new Progress(out, tty, label, startNanos, plannedSeconds, source);
    }

    static String line(String label, long startNanos, double plannedSeconds, Snapshot s) {
        double t = (System.nanoTime() - startNanos) / 1e9;
        double div = Math.max(t, 1e-3);
        return String.format(Locale.ROOT, "[%s] %5.1fs/%.0fs  ok %d  err %d  in flight %d  %.1f req/s  %.0f out tok/s"
                + "  %.0f tok/s  p50 %.3fs", label, t, plannedSeconds, s.ok(), s.failed(), s.inFlight(), s.ok() / div,
                s.outputTokens() / div, s.totalTokens() / div, s.p50Ms() / 1e3);
    }

    void print(String s) {
        synchronized (out) {
            if (tty) {
                out.print("\r\033[2K" + s);
            } else {
                out.println(s);
            }
            out.flush();
        }
    }

    @Override
    public void close() {
        running = false;
        if (thread != null) {
            thread.interrupt();
        }
        if (out != null && tty) {
            synchronized (out) {
                out.print("\r\033[2K");
                out.flush();
            }
        }
    }
}
