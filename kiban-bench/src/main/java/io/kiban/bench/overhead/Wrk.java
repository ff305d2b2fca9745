package io.kiban.bench.overhead;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs {@code wrk} (closed loop, one thread, pinned to the generator CPU) and parses its summary. */
final class Wrk {
    /** One wrk window. Latencies in ms; {@code errors} = non-2xx responses + socket errors. */
    record Result(long requests, double rps, double p50, double p90, double p99, long errors, String raw) {}

    private Wrk() {}

    /** Runs one window; a run that made no request at all (wrk died at start, seen once under heavy load) is retried once. */
    static Result run(String genCpus, Path lua, String url, int connections, int seconds, Map<String, String> env)
            throws IOException, InterruptedException {
        Result r = runOnce(genCpus, lua, url, connections, seconds, env);
        return r.requests() > 0 ? r : runOnce(genCpus, lua, url, connections, seconds, env);
    }

    private static Result runOnce(String genCpus, Path lua, String url, int connections, int seconds,
            Map<String, String> env) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("taskset", "-c", genCpus, "timeout",
                Integer.toString(seconds + 15), "wrk", "-t1", "-c" + connections, "-d" + seconds + "s", "--latency",
                "-s", lua.toString(), url));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(seconds + 20L, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        Result r = parse(out);
        return r.requests() > 0 ? r : parse(out + "\n(wrk exit status " + (p.isAlive() ? "killed" : p.exitValue()) + ")");
    }

    static Result parse(String out) {
        long requests = longOf(out, "(\\d+) requests in");
        double rps = doubleOf(out, "Requests/sec:\\s+([0-9.]+)");
        long non2xx = longOf(out, "Non-2xx or 3xx responses:\\s+(\\d+)");
        long socket = 0;
        Matcher m = Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)").matcher(out);
        if (m.find()) {
            for (int i = 1; i <= 4; i++) {
                socket += Long.parseLong(m.group(i));
            }
        }
        return new Result(requests, rps, percentile(out, "50%"), percentile(out, "90%"), percentile(out, "99%"),
                non2xx + socket, out);
    }

    private static double percentile(String out, String label) {
        Matcher m = Pattern.compile("^\\s+" + Pattern.quote(label) + "\\s+([0-9.]+)(us|ms|s)\\s*$", Pattern.MULTILINE)
                .matcher(out);
        if (!m.find()) {
            return Double.NaN;
        }
        double v = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "us" -> v / 1000;
            case "s" -> v * 1000;
            default -> v;
        };
    }

    private static long longOf(String out, String regex) {
        Matcher m = Pattern.compile(regex).matcher(out);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private static double doubleOf(String out, String regex) {
        Matcher m = Pattern.compile(regex).matcher(out);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}
