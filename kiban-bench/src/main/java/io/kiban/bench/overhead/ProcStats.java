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

    /** A CPU and process-tree meter around one measurement window. */
    static final class Window {
        private final List<Long> pids;
        private final String genCpu;
        private final long cpu0;
        private final long[] gen0;

        Window(List<Long> pids, String genCpu) {
            this.pids = pids;
            this.genCpu = genCpu;
            this.cpu0 = cpuTicks(pids);
            this.gen0 = cpuJiffies(genCpu);
        }

        /** {SUT CPU seconds, generator-CPU busy fraction, SUT RSS bytes}. */
        double[] end() {
            long[] gen1 = cpuJiffies(genCpu);
            double busy = gen1[1] == gen0[1] ? 0 : (double) (gen1[0] - gen0[0]) / (gen1[1] - gen0[1]);
            return new double[] {(cpuTicks(pids) - cpu0) * TICK_SECONDS, busy, rssBytes(pids)};
        }
    }
}
