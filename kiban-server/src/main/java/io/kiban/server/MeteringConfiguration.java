package io.kiban.server;

import io.kiban.gateway.spi.RequestListener;
import io.kiban.server.history.AdminHistoryController;
import io.kiban.server.history.HistoryController;
import io.kiban.server.history.HistoryListener;
import io.kiban.server.history.HistoryService;
import io.kiban.server.history.RecorderMetrics;
import io.kiban.server.history.RetentionSchedule;
import io.kiban.server.history.StoredCompletionsController;
import io.kiban.server.limits.GatewayLimiter;
import io.kiban.server.limits.QuotaController;
import io.kiban.server.limits.QuotaService;
import io.kiban.server.usage.OrganizationUsageController;
import io.kiban.server.usage.UsageController;
import io.kiban.server.usage.UsageService;
import io.kiban.store.Database;
import io.kiban.store.history.HistoryRepository;
import io.kiban.store.quota.QuotaRepository;
import io.kiban.store.recorder.Recorder;
import io.kiban.store.recorder.RecorderConfig;
import io.kiban.store.retention.RetentionPurger;
import io.kiban.store.tenancy.ProjectRepository;
import io.kiban.store.tenancy.UserRepository;
import io.kiban.store.usage.UsageRepository;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * Metering (issue 3): the Recorder that writes history, usage and audit events asynchronously; the gateway's
 * request listener (history and usage) and limiter (rate limits and token quotas); retention; and the history,
 * stored-completions, usage and quota routes.
 *
 * <p>Repositories that other features also use (projects, audit) are made here from the {@link Database} rather
 * than registered as beans, so this configuration defines no bean another one might define too, except
 * {@code recorder}, which is shared: everything that writes asynchronously goes through the one Recorder.
 */
@Configuration(proxyBeanMethods = false)
@Import({StoredCompletionsController.class, HistoryController.class, AdminHistoryController.class,
        UsageController.class, OrganizationUsageController.class, QuotaController.class})
class MeteringConfiguration {
    private static final Clock CLOCK = Clock.systemUTC();

    @Bean(destroyMethod = "close")
    Recorder recorder(ServerOptions o, Database db, PrometheusMeterRegistry registry) {
        RecorderMetrics metrics = new RecorderMetrics(registry);
        Recorder r = Recorder.start(db, RecorderConfig.defaults(o.dataDir().resolve("spool")), CLOCK, metrics);
        metrics.bind(() -> r);
        return r;
    }

    @Bean
    RequestListener historyListener(ServerOptions o, Recorder recorder) {
        return new HistoryListener(recorder, o.history());
    }

    @Bean(destroyMethod = "close")
    GatewayLimiter gatewayLimiter(ServerOptions o, Database db, ModelCatalog catalog) {
        Map<String, Integer> contexts = new HashMap<>();
        for (ModelCatalog.Entry e : catalog.entries()) {
            int configured = e.spec().options() == null ? 0 : e.spec().options().contextSize();
            Integer trained = e.file() == null ? null : e.file().contextLength();
            // The worker's window: ctx-size when given, else the model's own, at most 4096 (see ModelOptions).
            contexts.put(e.spec().name(), configured > 0 ? configured : trained == null ? 0 : Math.min(trained, 4096));
        }
        return new GatewayLimiter(new QuotaRepository(db), CLOCK, o.quotaZone(),
                model -> contexts.getOrDefault(model, 0)).start();
    }

    @Bean
    HistoryService historyService(Database db, Recorder recorder) {
        return new HistoryService(new HistoryRepository(db), recorder, CLOCK);
    }

    @Bean
    UsageService usageService(Database db) {
        return new UsageService(new UsageRepository(db), new ProjectRepository(db), CLOCK);
    }

    @Bean
    QuotaService quotaService(ServerOptions o, Database db, UserRepository users, GatewayLimiter limiter,
            Recorder recorder) {
        return new QuotaService(new QuotaRepository(db), new UsageRepository(db), users, new ProjectRepository(db),
                limiter, recorder, CLOCK, o.quotaZone());
    }

    @Bean(destroyMethod = "close")
    RetentionSchedule retentionSchedule(ServerOptions o, Database db) {
        // Audit events are kept at least a year (or as long as history, if that is longer).
        Duration audit = o.historyRetention().compareTo(Duration.ofDays(365)) > 0 ? o.historyRetention()
                : Duration.ofDays(365);
        return new RetentionSchedule(new RetentionPurger(db, CLOCK,
                new RetentionPurger.Policy(o.historyRetention(), audit))).start();
    }
}
