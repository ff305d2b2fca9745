package io.kiban.control.balance;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * A JMH-free measurement of one balancing decision for a 12k-token (about 48 KB) prompt: each decision is timed on its
 * own with {@link System#nanoTime()} (about 20 ns of overhead included), after a warm-up, and the percentiles are
 * printed with the bytes allocated per decision. Not a test: numbers depend on the machine.
 *
 * <pre>{@code
 * java -cp kiban-control/target/classes:kiban-control/target/test-classes \
 *     io.kiban.control.balance.PrefixAffinityTiming [decisions=1000000]
 * }</pre>
 */
final class PrefixAffinityTiming {

    private static final int PROMPT_BYTES = 48 * 1024;

    private PrefixAffinityTiming() {}

    /** Request bodies of about 48 KB in the shapes the key reader treats differently, 32 distinct prompts each. */
    static Map<String, byte[][]> bodies() {
        var random = new SplittableRandom(9);
        var shapes = new LinkedHashMap<String, byte[][]>();
        shapes.put("one 48 KB user message", new byte[32][]);
        shapes.put("2 KB system + 40 turns", new byte[32][]);
        shapes.put("16 KB tools, then messages", new byte[32][]);
        shapes.put("content before role", new byte[32][]);
        for (int i = 0; i < 32; i++) {
            String text = text(random, PROMPT_BYTES);
            shapes.get("one 48 KB user message")[i] = json("{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
                    + "\"content\":\"" + text + "\"}],\"max_tokens\":100,\"stream\":true}");
            var turns = new StringBuilder("{\"model\":\"m\",\"messages\":[{\"role\":\"system\",\"content\":\"")
                    .append(text, 0, 2048).append('"').append('}');
            int per = (PROMPT_BYTES - 2048) / 40;
            for (int t = 0; t < 40; t++) {
                turns.append(",{\"role\":\"").append(t % 2 == 0 ? "user" : "assistant").append("\",\"content\":\"")
                        .append(text, 2048 + t * per, 2048 + (t + 1) * per).append("\"}");
            }
            shapes.get("2 KB system + 40 turns")[i] = json(turns.append("]}").toString());
            String tools = "[" + String.join(",", java.util.Collections.nCopies(64,
                    "{\"type\":\"function\",\"function\":{\"name\":\"f\",\"description\":\""
                            + text(random, 200) + "\",\"parameters\":{\"type\":\"object\"}}}")) + "]";
            shapes.get("16 KB tools, then messages")[i] = json("{\"model\":\"m\",\"tools\":" + tools
                    + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + text.substring(0, 32 * 1024) + "\"}]}");
            shapes.get("content before role")[i] = json("{\"messages\":[{\"content\":\"" + text
                    + "\",\"role\":\"user\"}]}");
        }
        return shapes;
    }

    private static String text(SplittableRandom random, int bytes) {
        var sb = new StringBuilder(bytes);
        while (sb.length() < bytes) {
            int v = random.nextInt(32);
            sb.append(v < 5 ? ' ' : (char) ('a' + v % 26));
        }
        return sb.toString();
    }

    private static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** 64 snapshots of 8 replicas with 0–7 of 8 slots busy, to rotate through. */
    static List<List<Candidate>> snapshots() {
        var random = new SplittableRandom(4);
        var out = new ArrayList<List<Candidate>>();
        for (int s = 0; s < 64; s++) {
            var cs = new ArrayList<Candidate>();
            for (int r = 0; r < 8; r++) {
                cs.add(new Candidate("replica-" + r, random.nextInt(8), 8));
            }
            out.add(List.copyOf(cs));
        }
        return out;
    }

    /** Times {@code decisions} choices; returns the sorted per-decision nanoseconds and allocated bytes per decision. */
    static Measurement measure(Balancer balancer, byte[][] bodies, List<List<Candidate>> snapshots, int decisions) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        Set<String> none = Set.of();
        int sink = 0;
        for (int i = 0; i < Math.max(20_000, decisions / 5); i++) { // warm-up
            String id = balancer.choose(snapshots.get(i & 63), bodies[i & 31], none);
            sink += id == null ? 0 : id.length();
        }
        var nanos = new long[decisions];
        long allocatedBefore = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < decisions; i++) {
            long t0 = System.nanoTime();
            String id = balancer.choose(snapshots.get(i & 63), bodies[(i * 7) & 31], none);
            nanos[i] = System.nanoTime() - t0;
            sink += id == null ? 0 : id.length();
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - allocatedBefore;
        Arrays.sort(nanos);
        return new Measurement(nanos, (double) allocated / decisions, sink);
    }

    /** Sorted per-decision times. */
    record Measurement(long[] sortedNanos, double bytesPerDecision, int sink) {

        long percentile(double p) {
            return sortedNanos[Math.min(sortedNanos.length - 1, (int) (sortedNanos.length * p))];
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "p50 %6.2f us  p90 %6.2f us  p99 %6.2f us  p99.9 %6.2f us  "
                    + "allocated %5.0f B/decision", percentile(0.5) / 1e3, percentile(0.9) / 1e3,
                    percentile(0.99) / 1e3, percentile(0.999) / 1e3, bytesPerDecision);
        }
    }

    public static void main(String[] args) {
        int decisions = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        var snapshots = snapshots();
        System.out.printf("%d decisions per row, 8 replicas; java %s, %d cpus%n", decisions,
                Runtime.version(), Runtime.getRuntime().availableProcessors());
        for (var shape : bodies().entrySet()) {
            System.out.printf(Locale.ROOT, "%-28s (%,d B) prefix-affinity   %s%n", shape.getKey(),
                    shape.getValue()[0].length, measure(new PrefixAffinityBalancer(), shape.getValue(), snapshots,
                            decisions));
        }
        byte[][] single = bodies().values().iterator().next();
        System.out.printf(Locale.ROOT, "%-28s            least-outstanding %s%n", "one 48 KB user message",
                measure(new LeastOutstandingBalancer(), single, snapshots, decisions));
    }
}
