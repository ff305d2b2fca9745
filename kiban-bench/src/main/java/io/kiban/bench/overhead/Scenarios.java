package io.kiban.bench.overhead;

import io.kiban.bench.client.RawHttpClient;
import io.kiban.bench.load.Job;
import io.kiban.bench.load.JobSource;
import io.kiban.bench.load.LoadRunner;
import io.kiban.bench.load.StepResult;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The measurements of the protocol (performance.md §6.4), each on one target and returning one {@link Measurement}:
 * S0 correctness, S1 added latency at concurrency 1, S2 closed-loop capacity with wrk, S3 open-loop throughput
 * frontier, S4a streaming time to first byte, S4b paced-stream inter-frame gaps, S5 concurrent streams sustained.
 * Every window reads the SUT's CPU time and RSS from /proc and how busy the generator CPU was.
 */
final class Scenarios {
    static final String PATH = "/chat/completions";
    static final byte[] PLAIN = Launcher.CHAT_BODY.getBytes(StandardCharsets.UTF_8);
    static final byte[] STREAM16 = stream(16);
    static final byte[] STREAM64 = stream(64);

    /** A started target: how to reach it and which processes to meter (the simulator for direct). */
    record Running(TargetSpec spec, Supplier<List<Long>> pids, RawHttpClient client, long idleRss) {
        String name() {
            return spec.kind();
        }
    }

    private final OverheadConfig cfg;

    Scenarios(OverheadConfig cfg) {
        this.cfg = cfg;
    }

    private static byte[] stream(int tokens) {
        return ("{\"model\":\"sim\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello in one short sentence.\"}],"
                + "\"max_tokens\":" + tokens + ",\"stream\":true,\"stream_options\":{\"include_usage\":true}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static JobSource jobs(byte[] body, boolean stream) {
        Job job = new Job(PATH, body, stream, -1);
        return i -> job;
    }

    private static LoadRunner.Limits limits(double seconds, long requests) {
        return new LoadRunner.Limits(Duration.ofMillis((long) (seconds * 1000)), requests, Duration.ZERO,
                Duration.ofSeconds(5));
    }

    private static double mb(double bytes) {
        return bytes / (1024 * 1024);
    }

    /** S0: a plain and a streamed answer through the target, compared with the direct ones. */
    Measurement s0(Running t) throws IOException, InterruptedException {
        Measurement m = Measurement.of(t.name(), 0, "S0");
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            String plain = post(http, t.spec(), PLAIN);
            String direct = post(http, new TargetSpec("direct", cfg.simPort(), List.of()), PLAIN);
            boolean ok = plain.startsWith("200 ");
            boolean same = normalise(plain).equals(normalise(direct));
            String stream = post(http, t.spec(), STREAM16);
            long events = stream.substring(stream.indexOf(' ') + 1).lines().filter(l -> l.startsWith("data:")).count();
            boolean done = stream.contains("data: [DONE]") || stream.contains("data:[DONE]");
            m.put("plain_ok", ok ? 1 : 0).put("plain_body_identical", same ? 1 : 0).put("stream_events", events)
                    .put("stream_done", done ? 1 : 0);
            if (!ok || !done || events != 16 + 3) {
                return m.withNote("correctness gate failed: status " + plain.substring(0, Math.min(3, plain.length()))
                        + ", " + events + " events (want 19), [DONE] " + done);
            }
            return same ? m : m.withNote("200 and complete, but the body differs from the upstream's");
        }
    }

    /** Status and body, with the simulator's per-request id and timestamp blanked. */
    private static String normalise(String s) {
        return s.replaceAll("\"id\":\"[^\"]*\"", "\"id\":\"\"").replaceAll("\"created\":\\d+", "\"created\":0");
    }

    private static String post(HttpClient http, TargetSpec t, byte[] body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(t.baseUrl() + PATH)).timeout(Duration.ofSeconds(10))
                .header("content-type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body));
        for (String h : t.headers()) {
            int c = h.indexOf(':');
            b.setHeader(h.substring(0, c).trim(), h.substring(c + 1).trim());
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body();
    }

    /** S1: sequential plain requests at concurrency 1. */
    Measurement s1(Running t, int round) {
        ProcStats.Window w = new ProcStats.Window(t.pids().get(), cfg.genCpus(), cfg.sutCpu());
        StepResult r = new LoadRunner(t.client(), null).closed("s1", "s1", jobs(PLAIN, false), 1,
                limits(30, cfg.s1Requests()), false);
        double[] e = w.end();
        return Measurement.of(t.name(), round, "S1").put("p50_ms", r.latencyMs().p50()).put("p90_ms", r.latencyMs().p90())
                .put("p99_ms", r.latencyMs().p99()).put("p999_ms", r.latencyMs().p999()).put("rps", r.requestsPerSecond())
                .put("requests", r.requests()).put("failed", r.failed())
                .put("cpu_us_per_req", r.requests() == 0 ? Double.NaN : e[0] * 1e6 / r.requests())
                .put("gen_cpu_busy", e[1]).put("rss_mb", mb(e[2]))
                .put("foreign_cores", e[3]);
    }

    /** S2: wrk closed loop with {@code connections}, plain requests. */
    Measurement s2(Running t, int round, int connections) throws IOException, InterruptedException {
        ProcStats.Window w = new ProcStats.Window(t.pids().get(), cfg.genCpus(), cfg.sutCpu());
        Wrk.Result r = Wrk.run(cfg.genCpus(), lua("chat.lua"), t.spec().baseUrl() + PATH, connections, cfg.window(),
                wrkEnv(t.spec()));
        double[] e = w.end();
        Measurement m = Measurement.of(t.name(), round, "S2 c=" + connections).put("rps", r.rps())
                .put("p50_ms", r.p50()).put("p90_ms", r.p90()).put("p99_ms", r.p99()).put("requests", r.requests())
                .put("errors", r.errors()).put("cpu_us_per_req", r.requests() == 0 ? Double.NaN : e[0] * 1e6 / r.requests())
                .put("gen_cpu_busy", e[1]).put("rss_mb", mb(e[2]))
                .put("foreign_cores", e[3]);
        return r.requests() == 0 ? m.withNote("wrk made no requests: " + r.raw().strip()) : m;
    }

    /** Exercises the generator's own code paths (closed and open loop, plain and streamed) before any window. */
    void warmGenerator(Running direct) {
        LoadRunner runner = new LoadRunner(direct.client(), null);
        runner.closed("warm", "warm", jobs(PLAIN, false), 4, limits(2, 0), false);
        runner.closed("warm", "warm", jobs(STREAM16, true), 4, limits(2, 0), true);
        runner.open("warm", "warm", "open", 2000, jobs(PLAIN, false), LoadRunner.Schedule.constant(2000), limits(2, 0),
                4096, false);
    }

    /** Runs wrk without measuring (warm-up). */
    void warm(Running t, int seconds, boolean stream, int connections) throws IOException, InterruptedException {
        Wrk.run(cfg.genCpus(), lua(stream ? "chat-stream.lua" : "chat.lua"), t.spec().baseUrl() + PATH, connections,
                seconds, wrkEnv(t.spec()));
    }

    private Path lua(String name) {
        return cfg.benchDir().resolve("overhead").resolve(name);
    }

    static Map<String, String> wrkEnv(TargetSpec t) {
        return Map.of("WRK_HEADERS", String.join("|", t.headers()));
    }

    /** S4a: sequential unpaced 16-token streams: time to the response head and to the first content frame. */
    Measurement s4a(Running t, int round) {
        ProcStats.Window w = new ProcStats.Window(t.pids().get(), cfg.genCpus(), cfg.sutCpu());
        StepResult r = new LoadRunner(t.client(), null).closed("s4a", "s4a", jobs(STREAM16, true), 1,
                limits(10, cfg.s4Requests()), true);
        double[] e = w.end();
        return Measurement.of(t.name(), round, "S4a").put("ttfb_p50_ms", r.ttfbMs().p50())
                .put("ttfb_p99_ms", r.ttfbMs().p99()).put("first_frame_p50_ms", r.ttftMs().p50())
                .put("first_frame_p99_ms", r.ttftMs().p99()).put("total_p50_ms", r.latencyMs().p50())
                .put("streams", r.requests()).put("failed", r.failed())
                .put("cpu_us_per_stream", r.requests() == 0 ? Double.NaN : e[0] * 1e6 / r.requests())
                .put("gen_cpu_busy", e[1]).put("foreign_cores", e[3]);
    }

    /** S4b: 64 concurrent streams of 64 tokens paced at the simulator's ITL (set by the caller). */
    Measurement s4b(Running t, int round) {
        ProcStats.Window w = new ProcStats.Window(t.pids().get(), cfg.genCpus(), cfg.sutCpu());
        StepResult r = new LoadRunner(t.client(), null).closed("s4b", "s4b", jobs(STREAM64, true), 64,
                limits(cfg.window(), 0), true);
        double[] e = w.end();
        return Measurement.of(t.name(), round, "S4b").put("itl_p50_ms", r.itlMs().p50())
                .put("itl_p99_ms", r.itlMs().p99()).put("itl_max_ms", r.itlMs().max())
                .put("streams", r.requests()).put("chunks", r.completionTokens()).put("failed", r.failed())
                .put("cpu_us_per_chunk", r.completionTokens() == 0 ? Double.NaN : e[0] * 1e6 / r.completionTokens())
                .put("gen_cpu_busy", e[1]).put("rss_mb", mb(e[2]))
                .put("foreign_cores", e[3]);
    }

    /**
     * S3: open-loop constant rates from {@link #S3_START}/s, ×1.5 per step, until p99 exceeds 50 ms, a request
     * fails, or the target falls 20% behind the offered rate. Reports the highest achieved rate whose p99 stayed within
     * 1, 5, 10 and 50 ms with no failures.
     *
     * <p>At most {@link #S3_CONNECTIONS} requests are in flight (like wrk2's fixed connections): beyond that, requests
     * wait for a connection while their latency keeps counting from the intended send time. Without the cap, an
     * overloaded step opens thousands of connections, and the accept storm, not the proxy, decides the result and
     * spills into the next target's window. The step that overloads is drained before the next target starts.
     */
    static final double S3_START = 100;
    static final int S3_CONNECTIONS = 256;

    Measurement s3(Running t) throws InterruptedException {
        Measurement m = Measurement.of(t.name(), 0, "S3");
        double[] bounds = {1, 5, 10, 50};
        double[] best = new double[bounds.length];
        double rate = S3_START;
        for (int step = 0; step < 18; step++, rate *= 1.5) {
            ProcStats.Window w = new ProcStats.Window(t.pids().get(), cfg.genCpus(), cfg.sutCpu());
            // half a second at the new rate first (discarded): connections for the new concurrency, steady state
            LoadRunner.Limits lim = new LoadRunner.Limits(Duration.ofMillis((long) (cfg.s3StepSeconds() * 1000)), 0,
                    Duration.ofMillis(500), Duration.ofSeconds(30));
            StepResult r = new LoadRunner(t.client(), null).open("s3", "s3", "open", rate, jobs(PLAIN, false),
                    LoadRunner.Schedule.constant(rate), lim, S3_CONNECTIONS, false);
            double[] e = w.end();
            Map<String, Double> s = new LinkedHashMap<>();
            s.put("rate", rate);
            s.put("achieved_rps", r.requestsPerSecond());
            s.put("p50_ms", r.latencyMs().p50());
            s.put("p99_ms", r.latencyMs().p99());
            s.put("failed", (double) r.failed());
            s.put("cpu_us_per_req", r.requests() == 0 ? Double.NaN : e[0] * 1e6 / r.requests());
            s.put("gen_cpu_busy", e[1]);
            s.put("send_lag_p99_ms", r.sendLagMs().p99());
            s.put("foreign_cores", e[3]);
            m.steps().add(s);
            boolean clean = r.failed() == 0 && r.requestsPerSecond() >= 0.8 * rate;
            for (int b = 0; b < bounds.length; b++) {
                if (clean && r.latencyMs().p99() <= bounds[b]) {
                    best[b] = Math.max(best[b], r.requestsPerSecond());
                }
            }
            if (!clean || r.latencyMs().p99() > 50) {
                break;
            }
            Thread.sleep(500); // let queues drain between steps
        }
        for (int b = 0; b < bounds.length; b++) {
            m.put("max_rps_p99_le_" + (int) bounds[b] + "ms", best[b]);
        }
        return m;
    }

    /**
     * S5: N concurrent paced streams (64 tokens at the simulator's ITL) for a window each, N rising through the
     * levels; a level passes when no stream fails, every frame arrives, and no gap exceeds 10× the pacing (200 ms).
     */
    Measurement s5(Running t, double pacingMs) throws InterruptedException {
        Measurement m = Measurement.of(t.name(), 0, "S5");
        int sustained = 0;
        double sustainedRss = 0;
        for (int n : cfg.s5Levels()) {
            ProcStats.Window w = new ProcStats.Window(t.pids().get(), cfg.genCpus(), cfg.sutCpu());
            double[] peak = {0};
            Thread sampler = Thread.ofPlatform().daemon().start(() -> {
                while (!Thread.currentThread().isInterrupted()) {
                    peak[0] = Math.max(peak[0], ProcStats.rssBytes(t.pids().get()));
                    try {
                        Thread.sleep(250);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            StepResult r = new LoadRunner(t.client(), null).closed("s5", "s5", jobs(STREAM64, true), n,
                    limits(cfg.s5StepSeconds(), 0), true);
            sampler.interrupt();
            sampler.join();
            double[] e = w.end();
            boolean allFrames = r.completionTokens() == 64L * r.requests();
            boolean pass = r.requests() > 0 && r.failed() == 0 && allFrames && r.itlMs().max() <= 10 * pacingMs;
            Map<String, Double> s = new LinkedHashMap<>();
            s.put("streams", (double) n);
            s.put("completed", (double) r.requests());
            s.put("failed", (double) r.failed());
            s.put("itl_p99_ms", r.itlMs().p99());
            s.put("itl_max_ms", r.itlMs().max());
            s.put("all_frames", allFrames ? 1.0 : 0.0);
            s.put("pass", pass ? 1.0 : 0.0);
            s.put("peak_rss_mb", mb(peak[0]));
            s.put("cpu_us_per_chunk", r.completionTokens() == 0 ? Double.NaN : e[0] * 1e6 / r.completionTokens());
            s.put("gen_cpu_busy", e[1]);
            s.put("foreign_cores", e[3]);
            m.steps().add(s);
            if (!pass) {
                if (r.failed() > 0) {
                    m = m.withNote(n + " streams: " + r.failures());
                }
                if (e[1] > 0.9) {
                    // the simulator and the client share the generator CPU; when it is saturated, late frames say
                    // nothing about the target
                    m.put("rig_bound_at", n);
                    m = m.withNote(n + " streams: generator CPU " + Math.round(100 * e[1]) + "% busy, so the limit "
                            + "found is the rig's, not the target's");
                }
                break;
            }
            sustained = n;
            sustainedRss = peak[0];
            Thread.sleep(1000);
        }
        m.put("sustained_streams", sustained);
        if (sustained > 0) {
            m.put("peak_rss_mb", mb(sustainedRss)).put("rss_kb_per_stream", (sustainedRss - t.idleRss()) / 1024 / sustained);
        }
        return m;
    }
}
