package io.kiban.control.balance;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * A balancer that sends requests sharing a prompt prefix to the same replica, so the prefix's KV cache is reused,
 * while keeping every replica's load within a bound: consistent hashing with bounded loads (CHWBL).
 *
 * <h2>Implementation notes</h2>
 *
 * <p><b>Key.</b> {@link PrefixKey} hashes the opening of the prompt: the preamble (system prompt and any messages
 * before the first user message) and the first user message, each cut at {@link Options#prefixBytes()}; for {@code
 * prompt} the first {@code prefixBytes}. Every turn of a conversation therefore has the same key, and conversations
 * behind one shared system prompt still spread. A request without prompt text goes to the least-loaded replica.
 *
 * <p><b>Ring.</b> A {@link HashRing} with {@link Options#virtualNodes()} points per replica. It is rebuilt only when
 * the set of candidate ids changes (the last ring is cached, keyed by that set), so a change of replicas moves only
 * about 1/n of the keys. The walk maps candidates to ring members by position when the caller lists them in the same
 * order as last time (no allocation), else by id.
 *
 * <p><b>Bounded load</b> (Mirrokni, Thorup and Zadimoghaddam, "Consistent Hashing with Bounded Loads", 2018). With
 * {@code m} requests in flight over {@code n} candidates, the new request may go to a replica only if it then carries
 * at most {@code ceil(c × (m + 1) / n)}, {@code c} being {@link Options#loadFactor()}. The walk starts at the key's
 * point and takes the first replica that is not excluded, has a free slot and is within that bound. A hot prefix thus
 * spills to the next replicas on the ring, always in the same order, so the spill replicas warm the same prefix too,
 * and no replica carries more than {@code c} times the average (plus one). When no replica is within the bound
 * (possible only if the under-loaded ones are excluded or full), the least-loaded one with room is taken; when none
 * has room, the result is null and the caller holds the request.
 *
 * <p><b>Concurrency.</b> Thread-safe. The ring is immutable and published through a volatile field; two threads that
 * see a new replica set at once may both build a ring, and either result is correct. Bounded load uses the in-flight
 * counts of the snapshot passed in; requests being chosen concurrently are not in it, so under a burst the bound can
 * be exceeded by the number of concurrent choosers.
 *
 * <p><b>Cost</b> (see {@code PrefixAffinityTiming}): dominated by the key, i.e. by {@code prefixBytes}, not by the
 * prompt's length. Memory: {@code 8 × virtualNodes} bytes per replica plus the ids; nothing per prefix.
 */
public final class PrefixAffinityBalancer implements Balancer {

    /**
     * How prefix affinity is computed.
     *
     * @param prefixBytes the most bytes of the preamble, and of the first user message, that make up the key; longer
     *     keys tell apart conversations behind a longer shared start, shorter keys let a conversation whose first
     *     turn was short keep its replica on plain {@code prompt} requests
     * @param loadFactor the bound on any replica's load as a multiple of the average ({@code c}); above 1
     * @param virtualNodes points per replica on the ring; more even shares, larger ring
     */
    public record Options(int prefixBytes, double loadFactor, int virtualNodes) {

        /**
         * 8 KiB of preamble and of opening, load factor 1.25, 256 points per replica (each replica's share of keys
         * within about ±5 % rms, ±11 % at worst, of the fair share for 4 to 16 replicas).
         */
        public static final Options DEFAULTS = new Options(8192, 1.25, 256);

        public Options {
            if (prefixBytes < 1) {
                throw new IllegalArgumentException("prefixBytes must be >= 1, got " + prefixBytes);
            }
            if (!(loadFactor > 1.0) || Double.isInfinite(loadFactor)) {
                throw new IllegalArgumentException("loadFactor must be a number > 1.0, got " + loadFactor);
            }
            if (virtualNodes < 1 || virtualNodes > 4096) {
                throw new IllegalArgumentException("virtualNodes must be in [1, 4096], got " + virtualNodes);
            }
        }
    }

    private final Options options;
    private final RandomGenerator random;
    private volatile HashRing ring;

    /** A balancer with {@link Options#DEFAULTS}. */
    public PrefixAffinityBalancer() {
        this(Options.DEFAULTS);
    }

    /** A balancer with the given options; ties among least-loaded fallbacks are broken by {@link ThreadLocalRandom}. */
    public PrefixAffinityBalancer(Options options) {
        this(options, () -> ThreadLocalRandom.current().nextLong());
    }

    /** A balancer with the given options and tie-breaking source (thread-safe if the balancer is shared). */
    public PrefixAffinityBalancer(Options options, RandomGenerator random) {
        this.options = options;
        this.random = random;
    }

    public Options options() {
        return options;
    }

    @Override
    public String choose(List<Candidate> candidates, byte[] requestBody, Set<String> exclude) {
        int n = candidates.size();
        long key = n > 1 ? PrefixKey.of(requestBody, options.prefixBytes()) : PrefixKey.NONE;
        if (key == PrefixKey.NONE) {
            int i = LeastOutstandingBalancer.pick(candidates, exclude, random);
            return i < 0 ? null : candidates.get(i).id();
        }
        HashRing r = ring;
        int[] toCandidate = null; // null: candidates are in ring order
        if (r == null || !r.sameOrder(candidates)) {
            toCandidate = r == null ? null : r.candidateIndexByMember(candidates);
            if (toCandidate == null) { // a different replica set: rebuild, keyed by the new set
                r = HashRing.of(candidates, options.virtualNodes());
                ring = r;
            }
        }
        int chosen = walk(r, toCandidate, candidates, key, exclude);
        if (chosen < 0) {
            chosen = LeastOutstandingBalancer.pick(candidates, exclude, random);
        }
        return chosen < 0 ? null : candidates.get(chosen).id();
    }

    /** The index of the first candidate clockwise from {@code key} that may take the request, or -1. */
    private int walk(HashRing r, int[] toCandidate, List<Candidate> candidates, long key, Set<String> exclude) {
        int n = candidates.size();
        long total = 0;
        for (int i = 0; i < n; i++) {
            total += Math.max(0, candidates.get(i).inFlight());
        }
        long bound = (long) Math.ceil(options.loadFactor() * (total + 1) / n);
        boolean checkExclude = exclude != null && !exclude.isEmpty();

        long seenSmall = 0; // members visited, as bits, for n <= 64
        boolean[] seenLarge = n > 64 ? new boolean[n] : null;
        int seen = 0;
        int points = r.pointCount();
        for (int k = 0, p = r.firstPoint(key); k < points && seen < n; k++, p = p + 1 == points ? 0 : p + 1) {
            int m = r.owner(p);
            if (seenLarge == null) {
                if ((seenSmall & (1L << m)) != 0) {
                    continue;
                }
                seenSmall |= 1L << m;
            } else {
                if (seenLarge[m]) {
                    continue;
                }
                seenLarge[m] = true;
            }
            seen++;
            int i = toCandidate == null ? m : toCandidate[m];
            Candidate c = candidates.get(i);
            if (c.inFlight() < bound && c.hasRoom() && !(checkExclude && exclude.contains(c.id()))) {
                return i;
            }
        }
        return -1;
    }
}
