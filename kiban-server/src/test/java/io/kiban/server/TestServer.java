package io.kiban.server;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import io.kiban.server.auth.AdminBootstrap;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/** A real {@code kiban serve} in the test JVM, on a free port, with its workers as real child processes. */
final class TestServer implements AutoCloseable {
    final ConfigurableApplicationContext context;
    final int port;
    final String adminKey;

    private TestServer(ConfigurableApplicationContext context) {
        this.context = context;
        this.port = ((WebServerApplicationContext) context).getWebServer().getPort();
        this.adminKey = context.getBean(AdminBootstrap.Result.class).newSecret();
    }

    static TestServer start(Path dataDir, List<String> models, List<String> externals, int maxBodyMiB, Duration hold) {
        return start(dataDir, models, externals, maxBodyMiB, hold, null);
    }

    /**
     * @param dbUrl the store ({@code --db-url}), or null for H2 in the data directory. Servers sharing a database
     *     share the administrator: only the first one started has {@link #adminKey}; the others get null.
     */
    static TestServer start(Path dataDir, List<String> models, List<String> externals, int maxBodyMiB, Duration hold,
            String dbUrl) {
        ServerOptions o = new ServerOptions("127.0.0.1", 0, dataDir, models.stream().map(ServerOptions.ModelArg::parse).toList(),
                dataDir.resolve("models"), externals.stream().map(ServerOptions.ExternalArg::parse).toList(), dbUrl, "keys",
                true, maxBodyMiB * 1024 * 1024, hold);
        return start(o);
    }

    /** A server with any options (a PostgreSQL {@code dbUrl}, {@code --history off}, …). */
    static TestServer start(ServerOptions o) {
        ConfigurableApplicationContext ctx = KibanServer.start(o, new String[0]);
        if (ctx == null) {
            throw new IllegalStateException("server did not start");
        }
        return new TestServer(ctx);
    }

    /** The server's root URL, such as {@code http://127.0.0.1:34567}. */
    String root() {
        return "http://127.0.0.1:" + port;
    }

    String base() {
        return "http://127.0.0.1:" + port + "/v1";
    }

    <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    OpenAIClient client(String key) {
        return OpenAIOkHttpClient.builder().baseUrl(base()).apiKey(key).maxRetries(0).timeout(Duration.ofSeconds(60)).build();
    }

    /** Waits until every model has a ready replica. */
    void awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        var supervisor = bean(io.kiban.control.Supervisor.class);
        while (System.nanoTime() < deadline) {
            boolean all = supervisor.deployments().stream()
                    .filter(d -> d.spec().runtime().equals("builtin")).allMatch(d -> d.readyReplicas() > 0);
            if (all) {
                return;
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException("models not ready after " + timeout);
    }

    @Override
    public void close() {
        context.close();
    }
}
