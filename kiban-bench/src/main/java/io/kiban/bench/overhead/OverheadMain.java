package io.kiban.bench.overhead;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The gateway-overhead protocol's runner; {@code bench/overhead/run.sh} builds the module and calls it pinned to
 * the generator CPU. Writes {@code overhead.md} and {@code overhead.json} to {@code --out}.
 */
@Command(name = "bench/overhead/run.sh", mixinStandardHelpOptions = true, sortOptions = false, usageHelpWidth = 110,
        description = {
            "Gateway overhead protocol (docs: kiban-bench/README.md, performance.md section 6): the same simulator",
            "and the same load against direct, nginx, Portkey and Kiban (pass-through and governed), each SUT pinned",
            "to one CPU, warmed up, measured in interleaved rounds; loopback only, bounded in time.",
            "",
            "Kiban targets start from command templates with {port}, {sim} and {data} placeholders, taken from",
            "$KIBAN_PASS_CMD and $KIBAN_GOV_CMD, else from ./kiban if it exists; otherwise they are skipped with a",
            "note. The governed server gets $KIBAN_ADMIN_KEY (generated, or $KIBAN_GOV_KEY) and is called with",
            "'Authorization: Bearer <key>'.",
            ""})
public final class OverheadMain implements Callable<Integer> {
    static final String DEFAULT_PASS =
            "./kiban serve --port {port} --data-dir {data} --external sim={sim} --auth none --history off";
    static final String DEFAULT_GOV = "./kiban serve --port {port} --data-dir {data} --external sim={sim}";

    @Option(names = "--profile", description = "quick (about 10 min for three targets) or full (default: ${DEFAULT-VALUE}).")
    String profile = "quick";

    @Option(names = "--targets", split = ",", description = "Targets (default: direct,nginx,portkey,kiban-pass,kiban-gov).")
    List<String> targets = new ArrayList<>(List.of("direct", "nginx", "portkey", "kiban-pass", "kiban-gov"));

    @Option(names = "--rounds", description = "Override the profile's rounds.")
    Integer rounds;

    @Option(names = "--window", description = "Override the profile's window, seconds.")
    Integer window;

    @Option(names = "--warmup", description = "Override the profile's warm-up per target, seconds.")
    Integer warmup;

    @Option(names = "--out", description = "Output directory (default: bench/out/overhead-<date-time>).")
    Path out;

    @Option(names = "--repo", description = "Repository root (default: the current directory).")
    Path repo = Path.of("").toAbsolutePath();

    @Option(names = "--jar", description = "kiban-bench jar for the simulator (default: kiban-bench/target/kiban-bench-*.jar).")
    Path jar;

    @Option(names = "--nginx", description = "nginx binary (default: ${DEFAULT-VALUE}).")
    String nginx = "nginx";

    @Option(names = "--sim-port", description = "Simulator port (default: ${DEFAULT-VALUE}).")
    int simPort = 18000;

    @Option(names = "--base-port", description = "Targets listen on base+1, base+2, ... (default: ${DEFAULT-VALUE}).")
    int basePort = 18080;

    @Option(names = "--sut-cpu", description = "CPU for the system under test (default: ${DEFAULT-VALUE}).")
    int sutCpu = 1;

    @Option(names = "--gen-cpu", description = "CPU list for simulator and generators, e.g. 0 or 0,2-3 "
            + "(default: ${DEFAULT-VALUE}).")
    String genCpu = "0";

    @Option(names = "--commit", description = "Git commit to record (default: git rev-parse HEAD).")
    String commit;

    public static void main(String[] args) {
        System.exit(new CommandLine(new OverheadMain()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        boolean full = profile.equals("full");
        if (!full && !profile.equals("quick")) {
            System.err.println("--profile must be quick or full");
            return 2;
        }
        Path benchDir = repo.resolve("bench");
        Path jarPath = jar != null ? jar : findJar();
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path outDir = (out != null ? out : benchDir.resolve("out").resolve("overhead-" + stamp)).toAbsolutePath();
        Files.createDirectories(outDir);
        String passCmd = command("KIBAN_PASS_CMD", DEFAULT_PASS);
        String govCmd = command("KIBAN_GOV_CMD", DEFAULT_GOV);
        String sha = commit != null ? commit : run("git", "-C", repo.toString(), "rev-parse", "--short=12", "HEAD");
        OverheadConfig cfg = new OverheadConfig(profile, rounds != null ? rounds : full ? 5 : 3,
                window != null ? window : full ? 10 : 5, warmup != null ? warmup : full ? 30 : 10, full ? 3000 : 2000,
                full ? 3000 : 1000, full ? List.of(16, 64, 256) : List.of(16, 64), full ? 5 : 2,
                full ? List.of(64, 128, 256, 512, 1000, 2000, 5000) : List.of(64, 128, 256, 512, 1000), full ? 15 : 6, sutCpu, genCpu,
                outDir, repo, benchDir, jarPath, ProcessHandle.current().info().command().orElse("java"), nginx, simPort,
                basePort, List.copyOf(targets), passCmd, govCmd, sha);
        Map<String, String> env = environment(cfg);
        Protocol protocol = new Protocol(cfg, System.err);
        protocol.run();
        new OverheadReport(cfg, protocol, env).write(outDir);
        System.out.println(Files.readString(outDir.resolve("overhead.md")));
        System.out.println("Wrote " + outDir.resolve("overhead.md") + " and " + outDir.resolve("overhead.json"));
        return 0;
    }

    private String command(String envName, String dflt) {
        String v = System.getenv(envName);
        if (v != null && !v.isBlank()) {
            return v;
        }
        return Files.isExecutable(repo.resolve("kiban")) ? dflt : null;
    }

    private Path findJar() throws IOException {
        try (Stream<Path> s = Files.list(repo.resolve("kiban-bench/target"))) {
            return s.filter(p -> p.getFileName().toString().matches("kiban-bench-.*\\.jar")).findFirst()
                    .orElseThrow(() -> new IOException("build kiban-bench first (./mvnw -pl kiban-bench -am package)"));
        }
    }

    private Map<String, String> environment(OverheadConfig cfg) {
        Map<String, String> e = new LinkedHashMap<>();
        e.put("date", OffsetDateTime.now().truncatedTo(ChronoUnit.SECONDS).toString());
        e.put("commit", cfg.commit());
        e.put("command", "bench/overhead/run.sh --profile " + cfg.profile() + " (targets " + String.join(",", cfg.targets())
                + ")");
        e.put("machine", firstLine("/proc/cpuinfo", "model name") + ", " + io.kiban.bench.BenchRun.cpuCount()
                + " CPUs, " + memTotal() + ", kernel " + System.getProperty("os.version"));
        e.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version")
                + " (simulator and generator: -XX:+UseSerialGC, fixed heap, -XX:+AlwaysPreTouch)");
        e.put("nginx", run(nginx, "-v"));
        e.put("node", run("node", "--version"));
        e.put("portkey", version(cfg.benchDir().resolve("node_modules/@portkey-ai/gateway/package.json"))
                + " with @hono/node-server " + version(cfg.benchDir().resolve("node_modules/@hono/node-server/package.json")));
        e.put("wrk", run("wrk", "--version").lines().findFirst().orElse("?"));
        e.put("open files limit", firstLine("/proc/self/limits", "Max open files").replaceAll("\\s+", " "));
        e.put("priority", "nice " + run("sh", "-c", "nice") + (run("sh", "-c", "nice").equals("0") ? ""
                : " (BENCH_NICE: the simulator, wrk and every target ran at this priority)"));
        e.put("load average before", OverheadReport.loadAverage()
                + " (1, 5, 15 min; the machine may be shared, and other load shows up as noise)");
        e.put("kiban commands", "pass: " + (cfg.kibanPassCmd() == null ? "none" : cfg.kibanPassCmd()) + "; governed: "
                + (cfg.kibanGovCmd() == null ? "none" : cfg.kibanGovCmd()));
        return e;
    }

    private static String version(Path packageJson) {
        try {
            return io.kiban.api.Json.MAPPER.readTree(Files.readString(packageJson)).path("version").asString("?");
        } catch (IOException | RuntimeException ex) {
            return "not installed";
        }
    }

    private static String memTotal() {
        String l = firstLine("/proc/meminfo", "MemTotal");
        try {
            return Math.round(Long.parseLong(l.replaceAll("[^0-9]", "")) / 1048576.0) + " GiB RAM";
        } catch (NumberFormatException e) {
            return "? RAM";
        }
    }

    private static String firstLine(String file, String prefix) {
        try {
            return Files.readAllLines(Path.of(file), StandardCharsets.UTF_8).stream().filter(l -> l.startsWith(prefix))
                    .map(l -> l.contains(":") && !prefix.startsWith("Max") ? l.substring(l.indexOf(':') + 1).trim() : l)
                    .findFirst().orElse("?");
        } catch (IOException e) {
            return "?";
        }
    }

    private static String run(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            p.waitFor(10, TimeUnit.SECONDS);
            return s;
        } catch (IOException e) {
            return "not found";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "?";
        }
    }
}
