package io.kiban.server;

/** Comparisons of greedy generations. */
final class Greedy {
    private Greedy() {}

    /** The number of leading characters two texts share. */
    static int commonPrefix(String a, String b) {
        int n = Math.min(a.length(), b.length());
        int i = 0;
        while (i < n && a.charAt(i) == b.charAt(i)) {
            i++;
        }
        return i;
    }
}
