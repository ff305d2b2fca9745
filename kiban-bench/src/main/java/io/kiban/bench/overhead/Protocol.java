package io.kiban.bench.overhead;

import io.kiban.bench.client.RawHttpClient;
import io.kiban.bench.client.Target;
import java.io.IOException;
import java.io.PrintStream;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The gateway-overhead protocol (performance.md §6): one simulator on the generator CPU, every target started and
 * pinned to the SUT CPU, idle RSS, warm-up, then rounds that visit the targets in rotated order (S1, S2, S4a, S4b),
 * then a capacity pass (S3 frontier, S5 streams), then recovered RSS. Targets that cannot start are skipped with a
 * note; the direct target is always measured, since every "added" number is relative to it within a round.
 */
final class Protocol {
    static final double PACING_MS = 20;

    private final OverheadConfig cfg;
    private final PrintStream log;
    final List<Measurement> measurements = new ArrayList<>();
    final List<String> notes = new ArrayList<>();
    final Map<String, Double> idleRssMb = new LinkedHashMap<>();
    final Map<String, Double> recoveredRssMb = new LinkedHashMap<>();
    final List<String> measuredTargets = new ArrayList<>();

    Protocol(OverheadConfig cfg, PrintStream log) {
        this.cfg = cfg;
        this.log = log;
    }

    void run() throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        try (Launcher launcher = new Launcher(cfg)) {
            Runtime.getRuntime().addShutdownHook(new Thread(launcher::close));
            log("starting the simulator on CPU " + cfg.genCpus());
            Sut sim = launcher.simulator();
            List<Scenarios.Running> targets = new ArrayList<>();
            TargetSpec direct = new TargetSpec("direct", cfg.simPort(), List.of());
            targets.add(running(direct, sim));
            int port = cfg.basePort();
            for (String kind : cfg.targets()) {
                if (kind.equals("direct")) {
                    continue;
                }
                port++;
                Scenarios.Running r = start(launcher, kind, port);
                if (r != null) {
                    targets.add(r);
                }
            }
            targets.forEach(t -> measuredTargets.add(t.name()));
            Scenarios sc = new Scenarios(cfg);
            try {
                for (Scenarios.Running t : targets) {
                    Measurement s0 = sc.s0(t);
                    measurements.add(s0);
                    if (s0.note() != null) {
                        notes.add(t.name() + ": S0 " + s0.note());
                    }
                }
                Thread.sleep(2000);
                for (Scenarios.Running t : targets) {
                    idleRssMb.put(t.name(), ProcStats.rssBytes(t.pids().get()) / 1048576.0);
                }
                List<Scenarios.Running> warmed = new ArrayList<>();
                for (Scenarios.Running t : targets) {
                    log("warming " + t.name() + " for " + cfg.warmup() + " s");
                    sc.warm(t, Math.max(1, cfg.warmup() / 2), false, 16);
                    sc.warm(t, Math.max(1, cfg.warmup() - cfg.warmup() / 2), true, 16);
                    warmed.add(withIdle(t));
                }
                targets = warmed;
                log("warming the generator against direct");
                sc.warmGenerator(targets.getFirst());
                for (int round = 1; round <= cfg.rounds(); round++) {
                    for (Scenarios.Running t : rotate(targets, round - 1)) {
                        log(String.format(Locale.ROOT, "round %d/%d: %s", round, cfg.rounds(), t.name()));
                        measurements.add(sc.s1(t, round));
                        for (int c : cfg.s2Connections()) {
                            measurements.add(sc.s2(t, round, c));
                        }
                        measurements.add(sc.s4a(t, round));
                        launcher.simKnobs("itl-ms=" + PACING_MS);
                        try {
                            measurements.add(sc.s4b(t, round));
                        } finally {
                            launcher.simKnobs("itl-ms=0");
                        }
                    }
                }
                for (Scenarios.Running t : rotate(targets, cfg.rounds())) {
                    log("capacity pass: S3 frontier on " + t.name());
                    measurements.add(sc.s3(t));
                }
                launcher.simKnobs("itl-ms=" + PACING_MS);
                try {
                    for (Scenarios.Running t : rotate(targets, cfg.rounds())) {
                        log("capacity pass: S5 streams on " + t.name());
                        Measurement s5 = sc.s5(t, PACING_MS);
                        measurements.add(s5);
                        Thread.sleep(2000);
                    }
                } finally {
                    launcher.simKnobs("itl-ms=0");
                }
                Thread.sleep(5000);
                for (Scenarios.Running t : targets) {
                    recoveredRssMb.put(t.name(), ProcStats.rssBytes(t.pids().get()) / 1048576.0);
                }
            } finally {
                targets.forEach(t -> t.client().close());
            }
        }
        log(String.format(Locale.ROOT, "done in %.1f min", (System.nanoTime() - t0) / 6e10));
    }

    private Scenarios.Running withIdle(Scenarios.Running t) {
        Double idle = idleRssMb.get(t.name());
        return new Scenarios.Running(t.spec(), t.pids(), t.client(), idle == null ? 0 : (long) (idle * 1048576));
    }

    private Scenarios.Running running(TargetSpec spec, Sut process) {
        Target target = Target.parse(spec.baseUrl(), null, spec.headers());
        return new Scenarios.Running(spec, process::pids, new RawHttpClient(target, Duration.ofSeconds(30)), 0);
    }

    private Scenarios.Running start(Launcher launcher, String kind, int port) throws InterruptedException {
        try {
            return switch (kind) {
                case "nginx" -> running(new TargetSpec(kind, port, List.of()), launcher.nginx(port));
                case "portkey" -> {
                    List<String> h = List.of("x-portkey-provider: openai",
                            "x-portkey-custom-host: http://127.0.0.1:" + cfg.simPort() + "/v1", "Authorization: Bearer x");
                    yield running(new TargetSpec(kind, port, h), launcher.portkey(port, h));
                }
                case "kiban-pass" -> {
                    if (cfg.kibanPassCmd() == null) {
                        notes.add("kiban-pass skipped: no start command (set KIBAN_PASS_CMD, or build ./kiban).");
                        yield null;
                    }
                    yield running(new TargetSpec(kind, port, List.of()),
                            launcher.kiban(kind, cfg.kibanPassCmd(), port, List.of(), Map.of()));
                }
                case "kiban-gov" -> {
                    if (cfg.kibanGovCmd() == null) {
                        notes.add("kiban-gov skipped: no start command (set KIBAN_GOV_CMD, or build ./kiban).");
                        yield null;
                    }
                    String key = System.getenv("KIBAN_GOV_KEY") != null ? System.getenv("KIBAN_GOV_KEY")
                            : "sk-bench-" + HexFormat.of().formatHex(SecureRandom.getSeed(12));
                    List<String> h = List.of("Authorization: Bearer " + key);
                    yield running(new TargetSpec(kind, port, h),
                            launcher.kiban(kind, cfg.kibanGovCmd(), port, h, Map.of("KIBAN_ADMIN_KEY", key)));
                }
                default -> {
                    notes.add("unknown target '" + kind + "' skipped.");
                    yield null;
                }
            };
        } catch (IOException e) {
            notes.add(kind + " skipped: " + e.getMessage());
            log(kind + " skipped: " + e.getMessage());
            return null;
        }
    }

    static <T> List<T> rotate(List<T> list, int by) {
        List<T> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            out.add(list.get((i + by) % list.size()));
        }
        return out;
    }

    private void log(String s) {
        log.println("[overhead] " + s);
    }
}
