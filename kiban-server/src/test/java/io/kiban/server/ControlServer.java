package io.kiban.server;

import io.kiban.api.Json;
import io.kiban.server.auth.AdminBootstrap;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * A real {@code kiban serve} in the test JVM with control-plane options, and the HTTP calls the deployment tests
 * make against it.
 */
final class ControlServer implements AutoCloseable {
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    final ConfigurableApplicationContext context;
    final int port;
    final String adminKey;

    private ControlServer(ConfigurableApplicationContext context, String adminKey) {
        this.context = context;
        this.port = ((WebServerApplicationContext) context).getWebServer().getPort();
        this.adminKey = adminKey;
    }

    /**
     * Starts a server on {@code dataDir}.
     *
     * @param adminKey the admin key from an earlier start on the same data directory, or null on the first start
     */
    static ControlServer start(Path dataDir, List<String> models, ControlOptions control, Duration hold, String adminKey) {
        ServerOptions o = new ServerOptions("127.0.0.1", 0, dataDir, models.stream().map(ServerOptions.ModelArg::parse).toList(),
                dataDir.resolve("models"), List.of(), null, "keys", false, 16 * 1024 * 1024, hold);
        ConfigurableApplicationContext ctx = KibanServer.start(o, control, new String[0]);
        if (ctx == null) {
            throw new IllegalStateException("server did not start");
        }
        String key = ctx.getBean(AdminBootstrap.Result.class).newSecret();
        return new ControlServer(ctx, key != null ? key : adminKey);
    }

    <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    String root() {
        return "http://127.0.0.1:" + port;
    }

    /** One call with the admin key; the body is JSON text or null. */
    Response call(String method, String path, String body) throws Exception {
        return call(method, path, body, adminKey);
    }

    Response call(String method, String path, String body, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(root() + path)).timeout(Duration.ofSeconds(120))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        return new Response(r.statusCode(), r.body(), r.headers().firstValue("Retry-After").orElse(null));
    }

    /** A short chat completion. */
    Response chat(String model, int maxTokens) throws Exception {
        return call("POST", "/v1/chat/completions", "{\"model\":\"" + model + "\",\"max_tokens\":" + maxTokens
                + ",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}]}");
    }

    /** {@code GET /api/v1/deployments/{name}}. */
    JsonNode deployment(String name) throws Exception {
        Response r = call("GET", "/api/v1/deployments/" + name, null);
        if (r.status() != 200) {
            throw new AssertionError("GET deployment " + name + ": " + r);
        }
        return r.json();
    }

    /** Polls the deployment until {@code condition} holds; returns the last view. */
    JsonNode awaitDeployment(String name, Duration timeout, Predicate<JsonNode> condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode last = null;
        while (System.nanoTime() < deadline) {
            last = deployment(name);
            if (condition.test(last)) {
                return last;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("deployment " + name + " did not reach the expected state within " + timeout + ": " + last);
    }

    @Override
    public void close() {
        context.close();
    }

    /** A response: status, body, Retry-After. */
    record Response(int status, String body, String retryAfter) {
        JsonNode json() {
            return Json.MAPPER.readTree(body);
        }
    }
}
