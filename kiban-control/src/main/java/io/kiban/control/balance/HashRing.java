package io.kiban.control.balance;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * An immutable consistent-hash ring over a set of replica ids, each placed at a fixed number of virtual points.
 *
 * <h2>Implementation notes</h2>
 *
 * <p>A point is a 64-bit hash of {@code (id, i)} for {@code i < virtualNodes}; it depends on the id alone, so adding
 * or removing a replica moves only the keys on the arcs its own points cover (about 1/n of them) and every gateway
 * builds the same ring. Points are stored in one sorted {@code long[]} with the member's index in the low 16 bits
 * (so at most 65,535 members), which keeps the ring a single primitive array: a lookup is one binary search and
 * walking the ring is walking the array. Two points that collide in their high 48 bits are ordered by member index,
 * deterministically.
 *
 * <p>Members are kept in the order of the candidate list the ring was built from, so a caller passing the same list
 * order again can map a point's member straight to its candidate index ({@link #sameOrder}).
 */
final class HashRing {

    private static final int MEMBER_BITS = 16;
    private static final long MEMBER_MASK = (1L << MEMBER_BITS) - 1;
    static final int MAX_MEMBERS = (int) MEMBER_MASK;

    private final String[] ids;
    private final Map<String, Integer> index;
    private final long[] points;

    private HashRing(String[] ids, Map<String, Integer> index, long[] points) {
        this.ids = ids;
        this.index = index;
        this.points = points;
    }

    /** A ring over the candidates' ids, in their order, with {@code virtualNodes} points each. */
    static HashRing of(List<Candidate> candidates, int virtualNodes) {
        int n = candidates.size();
        if (n > MAX_MEMBERS) {
            throw new IllegalArgumentException("at most " + MAX_MEMBERS + " replicas per ring, got " + n);
        }
        var ids = new String[n];
        var index = HashMap.<String, Integer>newHashMap(n);
        var points = new long[n * virtualNodes];
        int p = 0;
        for (int m = 0; m < n; m++) {
            String id = candidates.get(m).id();
            if (index.putIfAbsent(id, m) != null) {
                throw new IllegalArgumentException("duplicate replica id among candidates: " + id);
            }
            ids[m] = id;
            byte[] bytes = id.getBytes(StandardCharsets.UTF_8);
            for (int v = 0; v < virtualNodes; v++) {
                points[p++] = (PrefixKey.ofText(bytes, v) & ~MEMBER_MASK) | m;
            }
        }
        Arrays.sort(points);
        return new HashRing(ids, Map.copyOf(index), points);
    }

    int size() {
        return ids.length;
    }

    int pointCount() {
        return points.length;
    }

    /** The member (index into the build order) owning point {@code p}. */
    int owner(int p) {
        return (int) (points[p] & MEMBER_MASK);
    }

    /** The first point at or after {@code key} clockwise (comparing the high 48 bits), wrapping to 0. */
    int firstPoint(long key) {
        int i = Arrays.binarySearch(points, key & ~MEMBER_MASK);
        i = i >= 0 ? i : -i - 1;
        return i == points.length ? 0 : i;
    }

    /** Whether {@code candidates} lists exactly this ring's members in its build order. */
    boolean sameOrder(List<Candidate> candidates) {
        if (candidates.size() != ids.length) {
            return false;
        }
        for (int i = 0; i < ids.length; i++) {
            if (!ids[i].equals(candidates.get(i).id())) {
                return false;
            }
        }
        return true;
    }

    /**
     * For candidates holding exactly this ring's members in another order: the candidate index of each member;
     * null when the sets differ.
     */
    int[] candidateIndexByMember(List<Candidate> candidates) {
        if (candidates.size() != ids.length) {
            return null;
        }
        var map = new int[ids.length];
        Arrays.fill(map, -1);
        for (int i = 0; i < ids.length; i++) {
            Integer m = index.get(candidates.get(i).id());
            if (m == null || map[m] >= 0) {
                return null; // an unknown or repeated id: not this ring's set
            }
            map[m] = i;
        }
        return map;
    }
}
