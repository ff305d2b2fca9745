package io.kiban.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.sun.net.httpserver.HttpServer;
import io.kiban.api.Json;
import io.kiban.bench.sim.SimTokenizer;
import io.kiban.bench.sim.Simulator;
import io.kiban.control.Deployment;
import io.kiban.control.Replica;
import io.kiban.control.Supervisor;
import io.kiban.gguf.TinyLlama;
import java.io.OutputStream;
import java.net.InetAddress;
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
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Streams through the whole server when replicas fail or are not there yet, with the official OpenAI SDK as the
 * client:
 * <ul>
 *   <li>two real {@code kiban worker} processes behind one model, one SIGKILLed in the middle of a greedy stream: the
 *       other continues it at once, and the text and usage equal an unbroken run's;
 *   <li>two simulators behind another, one of which drops every stream after five chunks: the SDK sees one stream
 *       with one id and the usage of an unbroken one;
 *   <li>models whose only replica is not ready yet (an external runtime whose port has nothing listening): held
 *       streams get their headers and SSE comments, then their content as soon as the runtime is started and the
 *       control plane finds it ready. This measures the gateway's share of a scale from zero: from the moment the
 *       replica is marked ready to the moment the request arrives at it.
 * </ul>
 */
class StreamFailoverIT {
    static Path dir;
    static final List<Process> workers = new ArrayList<>();
    static final List<Integer> workerPorts = new ArrayList<>();
    static Simulator dropping;
    static Simulator healthy;
    static TestServer server;
    static OpenAIClient client;
    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final int ZERO_MODELS = 6;
    static final List<Integer> zeroPorts = new ArrayList<>();
    static final List<HttpServer> zeroRuntimes = new ArrayList<>();
    static final long[] arrivedAt = new long[ZERO_MODELS];

    @BeforeAll
    static void start() throws Exception {
        dir = Files.createTempDirectory("kiban-failover-it");
        Path model = dir.resolve("tiny.gguf");
        TinyLlama.write(model, TinyLlama.Options.defaults().withContextLength(4096));
        for (int i = 0; i < 2; i++) {
            workers.add(worker(model, i));
        }
        for (int i = 0; i < 2; i++) {
            workerPorts.add(port(dir.resolve("worker-" + i + ".port")));
        }
        dropping = Simulator.builder().dropAfter(5).tokens(40).start();
        healthy = Simulator.builder().tokens(40).start();
        List<String> externals = new ArrayList<>(List.of(
                "duo=http://127.0.0.1:" + workerPorts.get(0) + "/v1,http://127.0.0.1:" + workerPorts.get(1) + "/v1",
                "sim=" + dropping.baseUrl() + "," + healthy.baseUrl()));
        for (int i = 0; i < ZERO_MODELS; i++) {
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                zeroPorts.add(s.getLocalPort()); // free now; taken by a runtime once a request is held for it
            }
            externals.add("zero" + i + "=http://127.0.0.1:" + zeroPorts.get(i) + "/v1");
        }
        System.setProperty("kiban.gateway.heartbeat", "200ms");
        try {
            server = TestServer.start(dir.resolve("data"), List.of(), externals, 16, Duration.ofSeconds(30));
        } finally {
            System.clearProperty("kiban.gateway.heartbeat");
        }
        Supervisor supervisor = server.bean(Supervisor.class);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (supervisor.get("duo").readyReplicas() < 2 || supervisor.get("sim").readyReplicas() < 2) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("replicas not ready");
            }
            Thread.sleep(50);
        }
        client = server.client(server.adminKey);
    }

    /** A {@code kiban worker} process of its own, as an external runtime (so the test decides which one dies). */
    static Process worker(Path model, int i) throws Exception {
        List<String> cmd = new ArrayList<>(ServerConfiguration.workerCommand());
        Path tmp = Files.createDirectories(dir.resolve("tmp-" + i)); // each worker unpacks its native library here
        cmd.add(cmd.indexOf("-cp"), "-Djava.io.tmpdir=" + tmp);
        cmd.addAll(List.of("--model", model.toString(), "--name", "duo", "--port", "0", "--port-file",
                dir.resolve("worker-" + i + ".port").toString(), "--parallel", "1", "--threads", "1"));
        return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("worker-" + i + ".log").toFile()).start();
    }

    static int port(Path file) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!Files.exists(file)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("worker did not start: " + file);
            }
            Thread.sleep(50);
        }
        return Integer.parseInt(Files.readString(file).trim());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        for (Process p : workers) {
            p.destroyForcibly();
        }
        if (dropping != null) {
            dropping.close();
            healthy.close();
        }
        zeroRuntimes.forEach(r -> r.stop(0));
    }

    /** One streamed answer as the SDK saw it. */
    record Seen(String text, int pieces, Set<String> ids, long promptTokens, long completionTokens, int roles,
            long longestGapNanos) {}

    static Seen drain(Iterator<ChatCompletionChunk> it, StringBuilder text, Set<String> ids) {
        long prompt = -1;
        long completion = -1;
        int roles = 0;
        int pieces = 0;
        long last = System.nanoTime();
        long gap = 0;
        while (it.hasNext()) {
            ChatCompletionChunk c = it.next();
            ids.add(c.id());
            for (ChatCompletionChunk.Choice choice : c.choices()) {
                if (choice.delta().role().isPresent()) {
                    roles++;
                }
                String piece = choice.delta().content().orElse("");
                if (!piece.isEmpty()) {
                    long now = System.nanoTime();
                    gap = Math.max(gap, now - last);
                    last = now;
                    pieces++;
                    text.append(piece);
                }
            }
            if (c.usage().isPresent()) {
                prompt = c.usage().get().promptTokens();
                completion = c.usage().get().completionTokens();
            }
        }
        return new Seen(text.toString(), pieces, ids, prompt, completion, roles, gap);
    }

    static ChatCompletionCreateParams params(String model, long maxTokens) {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage("Once upon a time").maxCompletionTokens(maxTokens)
                .temperature(0.0).streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
    }

    static int busyWorker() throws Exception {
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> h = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + workerPorts.get(i)
                    + "/health")).build(), HttpResponse.BodyHandlers.ofString());
            if (Json.MAPPER.readTree(h.body()).path("busy").asInt() > 0) {
                return i;
            }
        }
        return -1;
    }

    @Test
    void a_worker_killed_mid_stream_is_continued_at_once_on_the_other_with_the_unbroken_text_and_usage() throws Exception {
        Seen unbroken;
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(params("duo", 4000))) {
            unbroken = drain(s.stream().iterator(), new StringBuilder(), new HashSet<>());
        }

        Seen continued;
        int killed;
        int beforeKill;
        try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(params("duo", 4000))) {
            Iterator<ChatCompletionChunk> it = s.stream().iterator();
            Set<String> ids = new HashSet<>();
            StringBuilder text = new StringBuilder();
            ChatCompletionChunk first = it.next();
            ids.add(first.id());
            first.choices().forEach(c -> text.append(c.delta().content().orElse("")));
            beforeKill = text.length();
            killed = busyWorker();
            assertThat(killed).as("the worker serving the stream").isNotNegative();
            workers.get(killed).destroyForcibly(); // SIGKILL
            continued = drain(it, text, ids);
        }

        System.out.printf("StreamFailoverIT: worker %d killed; longest wait between two text chunks %.1f ms "
                + "(unbroken run: %.1f ms)%n", killed, continued.longestGapNanos() / 1e6, unbroken.longestGapNanos() / 1e6);
        // Greedy decoding on the new replica usually reproduces the unbroken text exactly, but the text so far is
        // prefilled in one batch there while it was decoded token by token here; the float rounding differs and can
        // flip a near tie of this random-weight model. So: same length in tokens, same start, and report the rest.
        int same = Greedy.commonPrefix(continued.text(), unbroken.text());
        System.out.printf("%s: continued text equals the unbroken one for %d of %d characters%n",
                getClass().getSimpleName(), same, unbroken.text().length());
        assertThat(same).as("the text the client had before the failure is kept").isGreaterThanOrEqualTo(beforeKill);
        assertThat(continued.ids()).hasSize(1);
        assertThat(continued.promptTokens()).isEqualTo(unbroken.promptTokens());
        assertThat(continued.completionTokens()).isEqualTo(unbroken.completionTokens()).isEqualTo(4000);
        String metrics = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("kiban_stream_failover_gap_seconds_count{model=\"duo\"} 1");
        String max = metrics.lines().filter(l -> l.startsWith("kiban_stream_failover_gap_seconds_max{model=\"duo\"}"))
                .findFirst().orElseThrow();
        System.out.printf("StreamFailoverIT: gap measured by the gateway (last text before the break to first after): "
                + "%.1f ms%n", Double.parseDouble(max.substring(max.lastIndexOf(' ') + 1)) * 1000);
    }

    @Test
    void a_stream_dropped_by_a_simulator_is_continued_and_the_sdk_sees_one_stream_with_unbroken_usage() throws Exception {
        Deployment sim = server.bean(Supervisor.class).get("sim");
        long dropsBefore = dropping.stats().dropped();
        int prompt = SimTokenizer.count("Once upon a time");
        // Equally loaded replicas are picked at random (LeastOutstandingBalancer), so stream until one has started on
        // the dropping replica: at most 20 streams, all of which must arrive whole (2^-20 odds of never meeting it).
        for (int i = 0; i < 20 && (i < 2 || dropping.stats().dropped() == dropsBefore); i++) {
            Seen seen;
            try (StreamResponse<ChatCompletionChunk> s = client.chat().completions().createStreaming(params("sim", 20))) {
                seen = drain(s.stream().iterator(), new StringBuilder(), new HashSet<>());
            }
            assertThat(seen.ids()).hasSize(1);
            assertThat(seen.roles()).isEqualTo(1);
            assertThat(seen.pieces()).isEqualTo(20); // one per token, none lost or repeated
            assertThat(seen.promptTokens()).isEqualTo(prompt);
            assertThat(seen.completionTokens()).isEqualTo(20);
        }
        assertThat(dropping.stats().dropped() - dropsBefore).isPositive();
        assertThat(sim.readyReplicas()).isEqualTo(2);
    }

    /** A runtime that answers its health probe and streams a two-token answer, noting when a request arrives. */
    static HttpServer runtime(int i) throws Exception {
        System.setProperty("sun.net.httpserver.nodelay", "true");
        HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), zeroPorts.get(i)), 50);
        s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        s.createContext("/v1/models", ex -> {
            byte[] b = "{\"object\":\"list\",\"data\":[]}".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        s.createContext("/v1/chat/completions", ex -> {
            arrivedAt[i] = System.nanoTime();
            ex.getRequestBody().readAllBytes();
            ex.getResponseHeaders().set("Content-Type", "text/event-stream");
            ex.sendResponseHeaders(200, 0);
            try (OutputStream out = ex.getResponseBody()) {
                for (String piece : List.of("Hel", "lo")) {
                    out.write(("data: {\"id\":\"z\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,"
                            + "\"delta\":{\"content\":\"" + piece + "\"}}]}\n\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                }
                out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
            }
        });
        s.start();
        return s;
    }

    @Test
    void held_streams_get_comments_then_their_content_as_soon_as_a_replica_is_ready() throws Exception {
        Supervisor supervisor = server.bean(Supervisor.class);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        for (int i = 0; i < ZERO_MODELS; i++) {
            answers.add(http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port
                    + "/v1/chat/completions")).header("Authorization", "Bearer " + server.adminKey)
                    .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"zero" + i + "\",\"stream\":true,"
                            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}")).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        Thread.sleep(1600); // held: past the first slice (1 s) and a few heartbeats
        for (int i = 0; i < ZERO_MODELS; i++) {
            zeroRuntimes.add(runtime(i));
        }

        double[] shareMillis = new double[ZERO_MODELS];
        for (int i = 0; i < ZERO_MODELS; i++) {
            HttpResponse<String> r = answers.get(i).get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            String body = r.body();
            assertThat(body).startsWith(": waiting for model zero" + i + " (replica starting)\n\n");
            assertThat(body.substring(body.indexOf("data: "))).contains("Hel").contains("lo").endsWith("data: [DONE]\n\n");
            Deployment d = supervisor.get("zero" + i);
            Replica replica = d.replicas().stream().filter(x -> x.state() == Replica.State.READY).findFirst().orElseThrow();
            long readyAt = replica.startedNanos() + replica.startupNanos();
            shareMillis[i] = (arrivedAt[i] - readyAt) / 1e6;
        }
        Arrays.sort(shareMillis);
        System.out.printf("StreamFailoverIT: scale from zero, replica ready -> request at the replica, %d held streams: "
                + "min %.2f ms, median %.2f ms, max %.2f ms%n", ZERO_MODELS, shareMillis[0], shareMillis[ZERO_MODELS / 2],
                shareMillis[ZERO_MODELS - 1]);
        assertThat(shareMillis[0]).isPositive();
        assertThat(shareMillis[ZERO_MODELS / 2]).isLessThan(250); // a sanity bound on a shared machine; the goal is 50 ms
    }
}
