package io.kiban.control.balance;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * A balancer that sends each request to the candidate with the fewest requests in flight, among those with room.
 *
 * <h2>Implementation notes</h2>
 *
 * <p>One pass over the candidates. Ties are broken uniformly at random by reservoir sampling (the k-th tied
 * candidate replaces the pick with probability 1/k), so equally loaded replicas share the traffic instead of the
 * first one taking it all. The random source is injected; the default draws from {@link ThreadLocalRandom} on the
 * calling thread, so concurrent callers do not contend. Allocates nothing.
 *
 * <p>Load is counted in requests, not in utilisation: two replicas with 2 of 4 and 2 of 8 slots busy tie. Slot counts
 * within one deployment are normally equal, and capacity still bounds each replica.
 */
public final class LeastOutstandingBalancer implements Balancer {

    private final RandomGenerator random;

    /** A balancer breaking ties with {@link ThreadLocalRandom}. */
    public LeastOutstandingBalancer() {
        this(() -> ThreadLocalRandom.current().nextLong());
    }

    /** A balancer breaking ties with {@code random} (which must be thread-safe if the balancer is shared). */
    public LeastOutstandingBalancer(RandomGenerator random) {
        this.random = random;
    }

    @Override
    public String choose(List<Candidate> candidates, byte[] requestBody, Set<String> exclude) {
        int best = pick(candidates, exclude, random);
        return best < 0 ? null : candidates.get(best).id();
    }

    /** The index of the least loaded candidate with room that is not excluded, or -1; ties broken by {@code random}. */
    static int pick(List<Candidate> candidates, Set<String> exclude, RandomGenerator random) {
        boolean checkExclude = exclude != null && !exclude.isEmpty();
        int best = -1;
        int bestLoad = Integer.MAX_VALUE;
        int ties = 0;
        for (int i = 0, n = candidates.size(); i < n; i++) {
            Candidate c = candidates.get(i);
            if (!c.hasRoom() || (checkExclude && exclude.contains(c.id()))) {
                continue;
            }
            if (c.inFlight() < bestLoad) {
                best = i;
                bestLoad = c.inFlight();
                ties = 1;
            } else if (c.inFlight() == bestLoad && random.nextInt(++ties) == 0) {
                best = i;
            }
        }
        return best;
    }
}
