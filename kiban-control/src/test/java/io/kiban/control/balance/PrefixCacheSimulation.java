package io.kiban.control.balance;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * A replay of a request trace against simulated replicas, each with an LRU prefix cache of KV blocks, that compares
 * balancers by the share of prompt blocks served from cache (performance.md §S8, without GPUs).
 *
 * <p><b>Model.</b> A request is a list of block ids (a block is 512 tokens in the Mooncake traces); requests whose
 * lists start alike share a prefix. Its body is real OpenAI JSON whose text is generated deterministically per block
 * id, so the balancers hash real prefixes. A replica serves a request from cache for the longest run of leading
 * blocks it holds (prefix caching: a block after a miss is a miss), then holds all of the request's blocks, evicting
 * the least recently used beyond its capacity. A request occupies a slot on its replica from dispatch until
 * {@code prefill (uncached blocks) + prefill (cached blocks, cheaper) + decode (output tokens)} later; when no replica
 * has a free slot the request waits in a FIFO queue, as the gateway would hold it.
 *
 * <p><b>Use.</b> {@link PrefixCacheSimulationTest} runs it on a synthetic conversation trace with a fixed seed. As a
 * tool, on a Mooncake-format JSONL trace:
 *
 * <pre>{@code
 * java -cp kiban-control/target/classes:kiban-control/target/test-classes \
 *     io.kiban.control.balance.PrefixCacheSimulation TRACE.jsonl [replicas=8] [cacheBlocks=1000] [requests=all]
 * }</pre>
 *
 * The Mooncake rows carry no structure, so each is sent as one user message holding all its blocks, which is the
 * worst case for prefix keys (see {@link PrefixKey}).
 */
final class PrefixCacheSimulation {

    /** One request of a trace. */
    record Request(long arrivalMillis, int[] blocks, int outputTokens, Shape shape) {}

    /** How a request's blocks are laid out in its body. */
    enum Shape {
        /** All blocks in one user message (Mooncake rows: structure unknown). */
        SINGLE_MESSAGE,
        /** Block 0 is the system prompt, then the first turn's blocks are the first user message, one later turn per
         *  further message, alternating assistant and user. {@link #turnStarts} says where turns begin. */
        CHAT
    }

    /** Where each turn starts in a {@link Shape#CHAT} request's blocks; index 0 is the first user message. */
    record ChatRequest(Request request, int[] turnStarts) {}

    /** The simulated fleet. */
    record Fleet(int replicas, int slots, int cacheBlocks, int bytesPerBlock, double prefillMsPerBlock,
            double cachedMsPerBlock, double decodeMsPerToken) {

        static Fleet defaults(int replicas, int cacheBlocks, int bytesPerBlock) {
            // prefill ~10k tokens/s, a cached block ~20x cheaper, decode 20 ms per token per request
            return new Fleet(replicas, 8, cacheBlocks, bytesPerBlock, 50, 2.5, 20);
        }
    }

    /** The outcome for one balancer. */
    record Result(String policy, long requests, long blocks, long hitBlocks, int maxInFlight, long maxQueued,
            long p50Nanos, long p99Nanos, double meanWaitMillis) {

        double hitRate() {
            return blocks == 0 ? 0 : (double) hitBlocks / blocks;
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT,
                    "%-26s hit %5.1f%%  (%d of %d blocks)  max in flight %2d  max queued %4d  mean wait %7.0f ms"
                            + "  decision p50 %5.1f us p99 %5.1f us",
                    policy, 100 * hitRate(), hitBlocks, blocks, maxInFlight, maxQueued, meanWaitMillis,
                    p50Nanos / 1e3, p99Nanos / 1e3);
        }
    }

    private PrefixCacheSimulation() {}

    // ---- replay ---------------------------------------------------------------------------------------------------

    /** Replays {@code trace} (sorted by arrival) with one balancer. */
    static Result run(String policy, Balancer balancer, List<ChatRequest> trace, Fleet fleet) {
        int n = fleet.replicas();
        var ids = new String[n];
        var caches = new ArrayList<LruBlocks>();
        for (int r = 0; r < n; r++) {
            ids[r] = "replica-" + r;
            caches.add(new LruBlocks(fleet.cacheBlocks()));
        }
        var inFlight = new int[n];
        var completions = new PriorityQueue<long[]>((a, b) -> Long.compare(a[0], b[0])); // {time ms, replica}
        var waiting = new ArrayDeque<ChatRequest>();
        var waitingSince = new ArrayDeque<Long>();
        long blocks = 0;
        long hits = 0;
        int maxInFlight = 0;
        long maxQueued = 0;
        double waitTotal = 0;
        var decisionNanos = new long[trace.size() * 2];
        int decisions = 0;
        var candidates = new ArrayList<Candidate>(n);
        int next = 0;
        while (next < trace.size() || !completions.isEmpty()) {
            boolean arrival = next < trace.size()
                    && (completions.isEmpty() || trace.get(next).request().arrivalMillis() < completions.peek()[0]);
            long now;
            if (arrival) {
                ChatRequest cr = trace.get(next++);
                now = cr.request().arrivalMillis();
                waiting.addLast(cr);
                waitingSince.addLast(now);
            } else {
                long[] done = completions.poll();
                now = done[0];
                inFlight[(int) done[1]]--;
            }
            // dispatch in arrival order while someone has room
            while (!waiting.isEmpty()) {
                ChatRequest cr = waiting.peekFirst();
                byte[] body = body(cr, fleet.bytesPerBlock());
                candidates.clear();
                for (int r = 0; r < n; r++) {
                    candidates.add(new Candidate(ids[r], inFlight[r], fleet.slots()));
                }
                long t0 = System.nanoTime();
                String id = balancer.choose(candidates, body, Set.of());
                long spent = System.nanoTime() - t0;
                if (decisions < decisionNanos.length) {
                    decisionNanos[decisions++] = spent;
                }
                if (id == null) {
                    break;
                }
                waiting.pollFirst();
                waitTotal += now - waitingSince.pollFirst();
                int r = Integer.parseInt(id.substring("replica-".length()));
                int[] req = cr.request().blocks();
                int hit = caches.get(r).serve(req);
                blocks += req.length;
                hits += hit;
                inFlight[r]++;
                maxInFlight = Math.max(maxInFlight, inFlight[r]);
                double ms = (req.length - hit) * fleet.prefillMsPerBlock() + hit * fleet.cachedMsPerBlock()
                        + cr.request().outputTokens() * fleet.decodeMsPerToken();
                completions.add(new long[] {now + Math.max(1, Math.round(ms)), r});
            }
            maxQueued = Math.max(maxQueued, waiting.size());
        }
        long[] sorted = Arrays.copyOf(decisionNanos, decisions);
        Arrays.sort(sorted);
        return new Result(policy, trace.size(), blocks, hits, maxInFlight, maxQueued,
                sorted.length == 0 ? 0 : sorted[sorted.length / 2],
                sorted.length == 0 ? 0 : sorted[(int) (sorted.length * 0.99)], waitTotal / Math.max(1, trace.size()));
    }

    /** An LRU set of block ids with prefix-hit accounting. */
    static final class LruBlocks {
        private final LinkedHashMap<Integer, Boolean> blocks;

        LruBlocks(int capacity) {
            this.blocks = new LinkedHashMap<>(capacity * 2, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<Integer, Boolean> eldest) {
                    return size() > capacity;
                }
            };
        }

        /** Serves a request: returns its leading blocks found in cache, then caches all of its blocks. */
        int serve(int[] request) {
            int hit = 0;
            while (hit < request.length && blocks.containsKey(request[hit])) {
                hit++;
            }
            for (int b : request) {
                blocks.put(b, Boolean.TRUE);
            }
            return hit;
        }
    }

    // ---- bodies ---------------------------------------------------------------------------------------------------

    /** The request's JSON body, its text generated from its block ids. */
    static byte[] body(ChatRequest cr, int bytesPerBlock) {
        Request r = cr.request();
        var out = new java.io.ByteArrayOutputStream(r.blocks().length * bytesPerBlock + 256);
        out.writeBytes("{\"model\":\"m\",\"messages\":[".getBytes(StandardCharsets.US_ASCII));
        if (r.shape() == Shape.SINGLE_MESSAGE) {
            message(out, "user", r.blocks(), 0, r.blocks().length, bytesPerBlock);
        } else {
            message(out, "system", r.blocks(), 0, 1, bytesPerBlock);
            int[] starts = cr.turnStarts();
            for (int t = 0; t < starts.length; t++) {
                int end = t + 1 < starts.length ? starts[t + 1] : r.blocks().length;
                out.write(',');
                message(out, t % 2 == 0 ? "user" : "assistant", r.blocks(), starts[t], end, bytesPerBlock);
            }
        }
        out.writeBytes(("],\"max_tokens\":" + r.outputTokens() + ",\"stream\":true}")
                .getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private static void message(java.io.ByteArrayOutputStream out, String role, int[] blocks, int from, int to,
            int bytesPerBlock) {
        out.writeBytes(("{\"role\":\"" + role + "\",\"content\":\"").getBytes(StandardCharsets.US_ASCII));
        var text = new byte[bytesPerBlock];
        for (int i = from; i < to; i++) {
            blockText(blocks[i], text);
            out.writeBytes(text);
        }
        out.writeBytes("\"}".getBytes(StandardCharsets.US_ASCII));
    }

    /** Deterministic word-like ASCII text for one block id (letters, spaces, a newline escape now and then). */
    static void blockText(int blockId, byte[] into) {
        var random = new SplittableRandom(0x5EED_0000_0000L ^ blockId * 0x9E3779B97F4A7C15L);
        int i = 0;
        while (i < into.length) {
            long bits = random.nextLong();
            for (int k = 0; k < 8 && i < into.length; k++, bits >>>= 8) {
                int v = (int) (bits & 0xFF);
                into[i++] = v < 40 ? (byte) ' ' : (byte) ('a' + v % 26);
            }
        }
    }

    // ---- traces ---------------------------------------------------------------------------------------------------

    /**
     * A synthetic multi-turn chat trace with a fixed seed, shaped like the Mooncake conversation trace: every request
     * starts with the same one-block system prompt; a conversation's first turn adds 4–23 blocks, each later turn
     * appends the previous answer (one block) and a question (0–2 blocks) after a pause of 20–240 s; a fifth of the
     * conversations are one-shot.
     */
    static List<ChatRequest> syntheticChats(long seed, int conversations, long spanMillis) {
        var random = new SplittableRandom(seed);
        var out = new ArrayList<ChatRequest>();
        int nextBlock = 1; // 0: the system prompt
        for (int c = 0; c < conversations; c++) {
            long t = (long) (random.nextDouble() * spanMillis);
            int turns = random.nextInt(5) == 0 ? 1 : 2 + random.nextInt(6);
            var blocks = new ArrayList<Integer>();
            blocks.add(0);
            var starts = new ArrayList<Integer>();
            for (int turn = 0; turn < turns; turn++) {
                if (turn > 0) {
                    starts.add(blocks.size()); // the assistant's answer
                    blocks.add(nextBlock++);
                }
                starts.add(blocks.size()); // the user's message
                int added = turn == 0 ? 4 + random.nextInt(20) : 1 + random.nextInt(2);
                for (int k = 0; k < added; k++) {
                    blocks.add(nextBlock++);
                }
                int[] ids = blocks.stream().mapToInt(Integer::intValue).toArray();
                int[] turnStarts = starts.stream().mapToInt(Integer::intValue).toArray();
                out.add(new ChatRequest(new Request(t, ids, 50 + random.nextInt(600), Shape.CHAT), turnStarts));
                t += 20_000 + random.nextInt(220_000);
            }
        }
        out.sort((a, b) -> Long.compare(a.request().arrivalMillis(), b.request().arrivalMillis()));
        return out;
    }

    private static final Pattern ROW = Pattern.compile(
            "\"timestamp\":\\s*(\\d+).*\"output_length\":\\s*(\\d+).*\"hash_ids\":\\s*\\[([^]]*)]");

    /** A Mooncake-format JSONL trace ({@code timestamp} ms, {@code output_length}, {@code hash_ids}). */
    static List<ChatRequest> mooncake(Path file, int limit) throws IOException {
        var out = new ArrayList<ChatRequest>();
        for (String line : Files.readAllLines(file)) {
            if (out.size() >= limit) {
                break;
            }
            var m = ROW.matcher(line);
            if (!m.find()) {
                continue;
            }
            int[] ids = Arrays.stream(m.group(3).split(",")).map(String::strip).filter(s -> !s.isEmpty())
                    .mapToInt(Integer::parseInt).toArray();
            out.add(new ChatRequest(new Request(Long.parseLong(m.group(1)), ids, Integer.parseInt(m.group(2)),
                    Shape.SINGLE_MESSAGE), new int[] {0}));
        }
        out.sort((a, b) -> Long.compare(a.request().arrivalMillis(), b.request().arrivalMillis()));
        return out;
    }

    /** The hit rate of one infinite cache shared by all: the trace's own ceiling. */
    static double idealHitRate(List<ChatRequest> trace) {
        var seen = new java.util.HashSet<Integer>();
        long blocks = 0;
        long hits = 0;
        for (ChatRequest cr : trace) {
            int[] b = cr.request().blocks();
            int h = 0;
            while (h < b.length && seen.contains(b[h])) {
                h++;
            }
            hits += h;
            blocks += b.length;
            for (int id : b) {
                seen.add(id);
            }
        }
        return (double) hits / blocks;
    }

    /** The policies compared, by name. */
    static Map<String, Supplier<Balancer>> policies(int prefixBytes) {
        return policies(prefixBytes, PrefixAffinityBalancer.Options.DEFAULTS.loadFactor());
    }

    static Map<String, Supplier<Balancer>> policies(int prefixBytes, double loadFactor) {
        var m = new LinkedHashMap<String, Supplier<Balancer>>();
        m.put("round-robin", RoundRobinBalancer::new);
        m.put("least-outstanding", () -> new LeastOutstandingBalancer(new SplittableRandom(1)));
        String suffix = loadFactor == PrefixAffinityBalancer.Options.DEFAULTS.loadFactor() ? "" : " c=" + loadFactor;
        m.put("prefix-affinity " + prefixBytes / 1024 + "KiB" + suffix, () -> new PrefixAffinityBalancer(
                new PrefixAffinityBalancer.Options(prefixBytes, loadFactor, 256), new SplittableRandom(1)));
        return m;
    }

    public static void main(String[] args) throws IOException {
        if (args.length == 0) {
            System.err.println("usage: PrefixCacheSimulation TRACE.jsonl [replicas=8] [cacheBlocks=1000] "
                    + "[requests=all] [bytesPerBlock=2048] [prefixKiB=8,4,16...] [loadFactor=1.25,2...]");
            System.exit(2);
        }
        int replicas = args.length > 1 ? Integer.parseInt(args[1]) : 8;
        int cacheBlocks = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        int limit = args.length > 3 ? Integer.parseInt(args[3]) : Integer.MAX_VALUE;
        int bytesPerBlock = args.length > 4 ? Integer.parseInt(args[4]) : 2048;
        String[] prefixKiB = (args.length > 5 ? args[5] : "8").split(",");
        String[] loadFactors = (args.length > 6 ? args[6] : "1.25").split(",");
        var trace = mooncake(Path.of(args[0]), limit);
        var fleet = Fleet.defaults(replicas, cacheBlocks, bytesPerBlock);
        System.out.printf(Locale.ROOT, "%s: %d requests, %d replicas x %d slots, %d cached blocks each, "
                + "%d bytes per block; ideal (one infinite cache) %.1f%%%n", args[0], trace.size(), replicas,
                fleet.slots(), cacheBlocks, bytesPerBlock, 100 * idealHitRate(trace));
        var done = new java.util.HashSet<String>();
        for (String kib : prefixKiB) {
            for (String c : loadFactors) {
                for (var e : policies(Integer.parseInt(kib.strip()) * 1024, Double.parseDouble(c)).entrySet()) {
                    if (done.add(e.getKey())) {
                        System.out.println(run(e.getKey(), e.getValue().get(), trace, fleet));
                    }
                }
            }
        }
    }
}
