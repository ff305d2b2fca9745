package io.kiban.bench.overhead;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Starts the simulator and the systems under test, pinned with {@code taskset}, and waits until each answers a chat
 * completion. Every process is recorded in {@link #started} and ended by PID in {@link #close}.
 */
final class Launcher implements AutoCloseable {
    static final String CHAT_BODY =
            "{\"model\":\"sim\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello in one short sentence.\"}],"
                    + "\"max_tokens\":16}";

    private final OverheadConfig cfg;
    final List<Sut> started = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();

    Launcher(OverheadConfig cfg) {
        this.cfg = cfg;
    }

    static void requireFreePort(int port) throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", port));
        } catch (IOException e) {
            throw new IOException("port " + port + " on 127.0.0.1 is in use; pick another --base-port", e);
        }
    }

    Sut simulator() throws IOException, InterruptedException {
        requireFreePort(cfg.simPort());
        Sut sim = Sut.start("simulator", List.of("taskset", "-c", cfg.genCpus(), cfg.java(),
                "-XX:+UseSerialGC", "-Xms512m", "-Xmx512m", "-XX:+AlwaysPreTouch", "-cp", cfg.jar().toString(), "io.kiban.bench.sim.SimulatorMain",
                "--port", Integer.toString(cfg.simPort()), "--max-queue", "100000"), cfg.repo(), Map.of(),
                cfg.out().resolve("simulator.log"));
        started.add(sim);
        awaitReady(sim, new TargetSpec("direct", cfg.simPort(), List.of()), Duration.ofSeconds(30));
        return sim;
    }

    Sut nginx(int port) throws IOException, InterruptedException {
        requireFreePort(port);
        Path dir = cfg.out().resolve("nginx").toAbsolutePath();
        Files.createDirectories(dir.resolve("tmp"));
        // Keep-alive on both sides with a high request cap, so the window measures proxying, not reconnects.
        String conf = """
                worker_processes 1;
                worker_rlimit_nofile 65536;
                daemon off;
                pid %1$s/nginx.pid;
                error_log %1$s/error.log warn;
                events { worker_connections 16384; }
                http {
                  access_log off;
                  client_body_temp_path %1$s/tmp/body;
                  proxy_temp_path %1$s/tmp/proxy;
                  fastcgi_temp_path %1$s/tmp/fastcgi;
                  uwsgi_temp_path %1$s/tmp/uwsgi;
                  scgi_temp_path %1$s/tmp/scgi;
                  keepalive_requests 1000000;
                  upstream sim { server 127.0.0.1:%2$d; keepalive 256; keepalive_requests 1000000; }
                  server {
                    listen 127.0.0.1:%3$d backlog=4096;
                    location / {
                      proxy_pass http://sim;
                      proxy_http_version 1.1;
                      proxy_set_header Connection "";
                      proxy_buffering off;
                    }
                  }
                }
                """.formatted(dir, cfg.simPort(), port);
        Path confFile = dir.resolve("nginx.conf");
        Files.writeString(confFile, conf, StandardCharsets.UTF_8);
        Sut s = Sut.start("nginx", List.of("taskset", "-c", Integer.toString(cfg.sutCpu()), cfg.nginx(), "-p",
                dir.toString(), "-c", confFile.toString(), "-e", dir.resolve("error.log").toString()), dir, Map.of(),
                cfg.out().resolve("nginx.log"));
        started.add(s);
        awaitReady(s, new TargetSpec("nginx", port, List.of()), Duration.ofSeconds(20));
        return s;
    }

    Sut portkey(int port, List<String> headers) throws IOException, InterruptedException {
        requireFreePort(port);
        Path entry = cfg.benchDir().resolve("node_modules/@portkey-ai/gateway/build/start-server.js");
        if (!Files.exists(entry)) {
            throw new IOException("Portkey is not installed (" + entry + "); run bench/overhead/install-peers.sh");
        }
        Sut s = Sut.start("portkey", List.of("taskset", "-c", Integer.toString(cfg.sutCpu()), "node", entry.toString(),
                "--port=" + port, "--headless"), cfg.benchDir(), Map.of("NODE_ENV", "production"),
                cfg.out().resolve("portkey.log"));
        started.add(s);
        awaitReady(s, new TargetSpec("portkey", port, headers), Duration.ofSeconds(30));
        return s;
    }

    /**
     * A Kiban target from a command template with placeholders {@code {port}}, {@code {sim}} (the simulator's base
     * URL) and {@code {data}} (a fresh data directory for this target under the output directory).
     */
    Sut kiban(String kind, String template, int port, List<String> headers, Map<String, String> env)
            throws IOException, InterruptedException {
        requireFreePort(port);
        String cmd = template.replace("{port}", Integer.toString(port))
                .replace("{sim}", "http://127.0.0.1:" + cfg.simPort() + "/v1")
                .replace("{data}", cfg.out().resolve(kind + "-data").toString());
        Sut s = Sut.start(kind, List.of("bash", "-c", "exec taskset -c " + cfg.sutCpu() + " " + cmd), cfg.repo(), env,
                cfg.out().resolve(kind + ".log"));
        started.add(s);
        awaitReady(s, new TargetSpec(kind, port, headers), Duration.ofSeconds(90));
        return s;
    }

    /** Polls with a real chat completion until it answers 200. */
    void awaitReady(Sut s, TargetSpec t, Duration limit) throws IOException, InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        String last = "no answer";
        while (System.nanoTime() < end) {
            if (!s.alive()) {
                throw new IOException(s.name + " exited with status " + s.process.exitValue() + "; see its log in "
                        + cfg.out());
            }
            try {
                HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(t.baseUrl() + "/chat/completions"))
                        .timeout(Duration.ofSeconds(5)).header("content-type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(CHAT_BODY));
                for (String h : t.headers()) {
                    int c = h.indexOf(':');
                    b.setHeader(h.substring(0, c).trim(), h.substring(c + 1).trim());
                }
                HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return;
                }
                last = r.statusCode() + " " + r.body();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(50);
        }
        throw new IOException(s.name + " did not answer a chat completion within " + limit.toSeconds() + " s: " + last);
    }

    /** Sets simulator knobs (e.g. {@code itl-ms=20}) directly, not through a target. */
    void simKnobs(String query) throws IOException, InterruptedException {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + cfg.simPort()
                + "/admin/knobs?" + query)).POST(HttpRequest.BodyPublishers.noBody()).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("simulator knobs " + query + ": " + r.statusCode() + " " + r.body());
        }
    }

    @Override
    public void close() {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
        started.clear();
        http.close();
    }
}
