package io.kiban.server;

import io.kiban.api.Json;
import io.kiban.control.Supervisor;
import io.kiban.gateway.Gateway;
import io.kiban.gateway.GatewayConfig;
import io.kiban.gateway.GatewayMetrics;
import io.kiban.gateway.spi.Authenticator;
import io.kiban.gateway.spi.Limiter;
import io.kiban.gateway.spi.Principal;
import io.kiban.gateway.spi.RequestListener;
import io.kiban.gateway.upstream.Http1Client;
import io.kiban.gateway.upstream.JdkUpstreamClient;
import io.kiban.gateway.upstream.UpstreamClient;
import io.kiban.server.auth.AdminBootstrap;
import io.kiban.server.auth.AuthFailureAuditor;
import io.kiban.server.auth.KeyAuthenticator;
import io.kiban.server.routing.ControlRouter;
import io.kiban.store.Database;
import io.kiban.store.DatabaseConfig;
import io.kiban.store.keys.ApiKeyRepository;
import io.kiban.store.keys.KeyCache;
import io.kiban.store.keys.LastUseTracker;
import io.kiban.store.tenancy.UserRepository;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import tools.jackson.databind.json.JsonMapper;

/** Wires the plain-Java modules into the server. */
@Configuration(proxyBeanMethods = false)
class ServerConfiguration {

    @Bean
    JsonMapper jsonMapper() {
        return Json.MAPPER;
    }

    @Bean
    PrometheusMeterRegistry meterRegistry() {
        PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new JvmMemoryMetrics().bindTo(r);
        new JvmThreadMetrics().bindTo(r);
        new ProcessorMetrics().bindTo(r);
        new UptimeMetrics().bindTo(r);
        return r;
    }

    @Bean(destroyMethod = "close")
    JvmGcMetrics gcMetrics(PrometheusMeterRegistry registry) {
        JvmGcMetrics m = new JvmGcMetrics();
        m.bindTo(registry);
        return m;
    }

    @Bean(destroyMethod = "close")
    Database database(ServerOptions o) throws IOException {
        Files.createDirectories(o.dataDir());
        String url = o.dbUrl() != null ? o.dbUrl() : Database.h2File(o.dataDir());
        DatabaseConfig config = DatabaseConfig.of(url);
        if (System.getenv("KIBAN_DB_USER") != null) {
            config = config.withCredentials(System.getenv("KIBAN_DB_USER"), System.getenv("KIBAN_DB_PASSWORD"));
        }
        return Database.open(config); // migrates the schema first
    }

    @Bean
    UserRepository userRepository(Database db) {
        return new UserRepository(db);
    }

    @Bean
    ApiKeyRepository apiKeyRepository(Database db) {
        return new ApiKeyRepository(db);
    }

    @Bean(destroyMethod = "close")
    KeyCache keyCache(ApiKeyRepository keys) {
        return new KeyCache(keys, Clock.systemUTC(), Duration.ofSeconds(1)).start();
    }

    @Bean
    AdminBootstrap.Result adminBootstrap(ServerOptions o, UserRepository users, ApiKeyRepository keys, KeyCache cache) {
        AdminBootstrap.Result r = new AdminBootstrap(users, keys, Clock.systemUTC()).ensure(adminKeyFromEnv() != null);
        cache.load();
        return r;
    }

    static String adminKeyFromEnv() {
        String k = System.getenv("KIBAN_ADMIN_KEY");
        return k == null || k.isBlank() ? null : k.trim();
    }

    @Bean
    Authenticator authenticator(ServerOptions o, KeyCache cache, AdminBootstrap.Result admin, LastUseTracker lastUse,
            AuthFailureAuditor failures) {
        if (o.auth().equals("none")) {
            return (header, ip) -> Principal.ANONYMOUS;
        }
        return new KeyAuthenticator(cache, lastUse, failures, Clock.systemUTC(), adminKeyFromEnv(), admin.adminUserId());
    }

    @Bean
    ModelCatalog modelCatalog(ServerOptions o) {
        try {
            return ModelCatalog.of(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The command that starts a worker: this JVM's java, on this JVM's class path, without Spring. */
    static List<String> workerCommand() {
        String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-Xmx1g");
        cmd.add("-XX:TieredStopAtLevel=1"); // C1 only: quicker start; the worker's Java work is small next to inference
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add("io.kiban.worker.WorkerMain");
        return cmd;
    }

    /** Our HTTP/1.1 client (decision 0002); {@code -Dkiban.upstream=jdk} selects the JDK's for comparison. */
    @Bean(destroyMethod = "close")
    UpstreamClient upstreamClient() {
        return "jdk".equals(System.getProperty("kiban.upstream"))
                ? new JdkUpstreamClient(Duration.ofSeconds(2), Duration.ofMinutes(10)) : new Http1Client();
    }

    @Bean
    GatewayMetrics gatewayMetrics(PrometheusMeterRegistry registry) {
        return new GatewayMetrics(registry);
    }

    @Bean
    Gateway gateway(ServerOptions o, Authenticator auth, Supervisor supervisor, UpstreamClient client, GatewayMetrics metrics,
            Environment env, ObjectProvider<RequestListener> listeners, ObjectProvider<Limiter> limiter) {
        return new Gateway(auth, new ControlRouter(supervisor), client, metrics, listeners.orderedStream().toList(),
                limiter.getIfAvailable(() -> Limiter.NONE), gatewayConfig(o, env));
    }

    /**
     * The data plane's settings: the command line's, plus streaming and failover settings that have no option of their
     * own (system properties or environment variables such as {@code -Dkiban.gateway.idle-timeout=5m} or
     * {@code KIBAN_GATEWAY_HEARTBEAT=10s}).
     */
    static GatewayConfig gatewayConfig(ServerOptions o, Environment env) {
        GatewayConfig d = GatewayConfig.defaults();
        // Each deployment bounds its own hold (Route.holdTimeoutNanos); the gateway's cap is the longest allowed.
        return new GatewayConfig(o.maxBodyBytes(), d.maxResponseBytes(), io.kiban.control.HoldSpec.MAX_TIMEOUT, d.maxAttempts(),
                env.getProperty("kiban.gateway.first-token-timeout", Duration.class, d.firstTokenTimeout()),
                env.getProperty("kiban.gateway.idle-timeout", Duration.class, d.idleTimeout()),
                env.getProperty("kiban.gateway.heartbeat", Duration.class, d.heartbeat()),
                env.getProperty("kiban.gateway.max-continuations", Integer.class, d.maxContinuations()),
                env.getProperty("kiban.gateway.crash-retries", Integer.class, d.crashRetries()));
    }
}
