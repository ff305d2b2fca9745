package io.kiban.control.balance;

import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/** A balancer that takes the candidates in turn, skipping full and excluded ones: the baseline for comparisons. */
final class RoundRobinBalancer implements Balancer {

    private final AtomicInteger next = new AtomicInteger();

    @Override
    public String choose(List<Candidate> candidates, byte[] requestBody, Set<String> exclude) {
        int n = candidates.size();
        int start = Math.floorMod(next.getAndIncrement(), Math.max(1, n));
        for (int k = 0; k < n; k++) {
            Candidate c = candidates.get((start + k) % n);
            if (c.hasRoom() && (exclude == null || !exclude.contains(c.id()))) {
                return c.id();
            }
        }
        return null;
    }
}
