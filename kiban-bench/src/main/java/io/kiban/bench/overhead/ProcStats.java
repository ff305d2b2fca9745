package io.kiban.bench.overhead;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Linux {@code /proc} readings for the protocol: CPU time and RSS of a process tree (all threads of the process and
 * of its live descendants, e.g. nginx's workers), and how busy one CPU was.
 */
final class ProcStats {
    /** USER_HZ: /proc reports CPU times in ticks of 1/100 s on every Linux architecture in use. */
    static final double TICK_SECONDS = 0.01;

    private ProcStats() {}

    static List<Long> tree(long pid) {
        List<Long> pids = new ArrayList<>();
        ProcessHandle.of(pid).ifPresent(h -> {
            pids.add(h.pid());
            h.descendants().forEach(d -> pids.add(d.pid()));
        });
        return pids;
    }

    /** utime + stime of the tree, in ticks. */
    static long cpuTicks(List<Long> pids) {
        long sum = 0;
        for (long pid : pids) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                sum += Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15 of the whole line
            } catch (IOException | RuntimeException e) {
                // the process ended
            }
        }
        return sum;
    }

    /** VmRSS of the tree, bytes. */
    static long rssBytes(List<Long> pids) {
        long sum = 0;
        for (long pid : pids) {
            try {
                for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                    if (line.startsWith("VmRSS:")) {
                        sum += Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                    }
                }
            } catch (IOException | RuntimeException e) {
                // the process ended
            }
        }
        return sum;
    }

    /**
     * CPU ticks of this process's whole tree: its own utime+stime plus cutime+cstime (children already reaped, such as
     * a finished wrk), plus utime+stime of its live descendants.
     */
    static long ownTreeTicks() {
        long self = ProcessHandle.current().pid();
        long sum = 0;
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(self), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            sum += Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        List<Long> kids = tree(self);
        kids.remove(self);
        return sum + cpuTicks(kids);
    }

    /**
     * {user+nice+system, all} jiffies since boot of the CPUs in a taskset-style list ("0", "0,2-3"), from /proc/stat.
     * Interrupt and softirq time (loopback networking does much of its work there) is not in the first number, so it
     * compares with processes' utime+stime.
     */
    static long[] processJiffies(String cpuList) {
        java.util.Set<Integer> cpus = parseCpuList(cpuList);
        long proc = 0;
        long total = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
                String[] f = line.trim().split("\\s+");
                if (f[0].startsWith("cpu") && f[0].length() > 3 && cpus.contains(Integer.parseInt(f[0].substring(3)))) {
                    for (int i = 1; i < f.length && i <= 8; i++) {
                        total += Long.parseLong(f[i]);
                    }
                    proc += Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return new long[] {proc, total};
    }

    /** {busy, total} jiffies since boot of the CPUs in a taskset-style list ("0", "0,2-3"), from /proc/stat. */
    static long[] cpuJiffies(String cpuList) {
        java.util.Set<Integer> cpus = parseCpuList(cpuList);
        long busy = 0;
        long total = 0;
        try {
            for (String line : Files.readAllLines(Path.of("/proc/stat"))) {
                String[] f = line.trim().split("\\s+");
                if (f[0].startsWith("cpu") && f[0].length() > 3 && cpus.contains(Integer.parseInt(f[0].substring(3)))) {
                    long t = 0;
                    for (int i = 1; i < f.length && i <= 8; i++) {
                        t += Long.parseLong(f[i]);
                    }
                    total += t;
                    busy += t - Long.parseLong(f[4]) - Long.parseLong(f[5]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux
        }
        return new long[] {busy, total};
    }

    static java.util.Set<Integer> parseCpuList(String list) {
        java.util.Set<Integer> out = new java.util.TreeSet<>();
        for (String part : list.split(",")) {
            String p = part.trim();
            int dash = p.indexOf('-');
            if (dash > 0) {
                for (int c = Integer.parseInt(p.substring(0, dash)); c <= Integer.parseInt(p.substring(dash + 1)); c++) {
                    out.add(c);
                }
            } else if (!p.isEmpty()) {
                out.add(Integer.parseInt(p));
            }
        }
        return out;
    }

    /**
     * A CPU and process-tree meter around one measurement window: the SUT's CPU time and RSS, how busy the generator
     * CPUs were, and how much CPU <em>other</em> processes used on the protocol's CPUs (the machine may be shared;
     * everything the protocol started descends from this JVM, so the rest is foreign).
     */
    static final class Window {
        private final List<Long> pids;
        private final String genCpu;
        private final String allCpus;
        private final long sut0;
        private final long ours0;
        private final long[] gen0;
        private final long[] all0;

        Window(List<Long> pids, String genCpu, int sutCpu) {
            this.pids = pids;
            this.genCpu = genCpu;
            this.allCpus = genCpu + "," + sutCpu;
            this.sut0 = cpuTicks(pids);
            this.ours0 = ownTreeTicks();
            this.gen0 = cpuJiffies(genCpu);
            this.all0 = processJiffies(allCpus);
        }

        /** {SUT CPU seconds, generator-CPU busy fraction, SUT RSS bytes, foreign load in cores}. */
        double[] end() {
            long[] gen1 = cpuJiffies(genCpu);
            long[] all1 = processJiffies(allCpus);
            long ours1 = ownTreeTicks();
            double busy = gen1[1] == gen0[1] ? 0 : (double) (gen1[0] - gen0[0]) / (gen1[1] - gen0[1]);
            int cpus = parseCpuList(allCpus).size();
            double wallTicks = all1[1] == all0[1] ? 0 : (double) (all1[1] - all0[1]) / cpus;
            double foreign = wallTicks == 0 ? 0
                    : Math.max(0, ((all1[0] - all0[0]) - (ours1 - ours0)) / wallTicks);
            return new double[] {(cpuTicks(pids) - sut0) * TICK_SECONDS, busy, rssBytes(pids), foreign};
        }
    }
}
