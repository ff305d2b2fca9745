package io.kiban.server;

import io.kiban.control.Autoscaler;
import io.kiban.control.DeploymentSpec;
import io.kiban.control.HealthProbe;
import io.kiban.control.Supervisor;
import io.kiban.control.backend.ExternalBackend;
import io.kiban.control.backend.ProcessBackend;
import io.kiban.control.model.ModelPreloader;
import io.kiban.server.deployments.DeploymentService;
import io.kiban.server.web.DeploymentsController;
import io.kiban.store.Database;
import io.kiban.store.deployments.DeploymentRepository;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * Wires the control plane: the local-process and external backends, the supervisor, the autoscaler loop, the
 * page-cache preloader, the deployments' store and service, and {@code /api/v1/deployments}.
 *
 * <p>Start-up order: the {@link DeploymentService} deploys the command line's and the store's deployments (adopting
 * replicas an earlier server left running) and stops unadopted leftovers before the supervisor and the autoscaler
 * start, so no replica is started twice. Shutdown: the autoscaler stops, then the supervisor stops the replicas
 * (unless {@code --keep-replicas}) and the warm pool.
 */
@Configuration(proxyBeanMethods = false)
@Import(DeploymentsController.class)
class ControlConfiguration {

    @Bean
    ProcessBackend processBackend(ServerOptions o) {
        return new ProcessBackend(new ProcessBackend.Config(ServerConfiguration.workerCommand(),
                o.dataDir().resolve("run"), o.dataDir().resolve("logs")));
    }

    @Bean(destroyMethod = "") // closed by ControlPlane, which knows whether to keep the replicas
    Supervisor supervisor(ProcessBackend processes, PrometheusMeterRegistry registry) {
        return new Supervisor(List.of(processes, new ExternalBackend()), new HealthProbe(Duration.ofSeconds(2)),
                Supervisor.Settings.defaults(), registry);
    }

    @Bean
    DeploymentRepository deploymentRepository(Database db) {
        return new DeploymentRepository(db);
    }

    @Bean(destroyMethod = "close")
    ControlPlane controlPlane(ServerOptions o, ControlOptions c, Supervisor supervisor, ProcessBackend processes,
            DeploymentRepository repo, ModelCatalog catalog, PrometheusMeterRegistry registry) {
        return new ControlPlane(o, c, supervisor, processes, repo, catalog, registry).start();
    }

    @Bean
    DeploymentService deploymentService(ControlPlane plane) {
        return plane.service;
    }

    /** The control plane's moving parts, started and stopped together. */
    static final class ControlPlane implements AutoCloseable {
        private static final System.Logger LOG = System.getLogger(ControlPlane.class.getName());

        final DeploymentService service;
        private final ControlOptions options;
        private final Supervisor supervisor;
        private final ProcessBackend processes;
        private final Autoscaler autoscaler;
        private final ModelPreloader preloader = new ModelPreloader();

        ControlPlane(ServerOptions o, ControlOptions c, Supervisor supervisor, ProcessBackend processes,
                DeploymentRepository repo, ModelCatalog catalog, PrometheusMeterRegistry registry) {
            this.options = c;
            this.supervisor = supervisor;
            this.processes = processes;
            this.autoscaler = new Autoscaler(supervisor, c.autoscalerTick());
            this.service = new DeploymentService(repo, supervisor, catalog, o.holdTimeout(), Clock.systemUTC(),
                    this::resizeWarmPool);
            if (c.preload()) {
                supervisor.onScaledToZero(d -> {
                    if (d.spec().runtime().equals(DeploymentSpec.BUILTIN)) {
                        preloader.preload(d.spec().model());
                    }
                });
            }
            Gauge.builder("kiban.warm.pool.workers", processes, ProcessBackend::warmPoolListening)
                    .description("Idle standby workers ready to take a model").register(registry);
        }

        ControlPlane start() {
            service.start();
            supervisor.start();
            autoscaler.start();
            return this;
        }

        /** {@code --warm-pool auto}: one standby while any builtin deployment may start more than its minimum. */
        private void resizeWarmPool() {
            int size = options.warmPool();
            if (size == ControlOptions.AUTO) {
                size = supervisor.deployments().stream().map(d -> d.spec()).anyMatch(s ->
                        s.runtime().equals(DeploymentSpec.BUILTIN) && s.maxReplicas() > s.minReplicas()) ? 1 : 0;
            }
            if (size != processes.warmPoolSize()) {
                LOG.log(System.Logger.Level.INFO, "warm pool: {0} standby worker(s)", size);
                processes.warmPool(size);
            }
        }

        @Override
        public void close() {
            autoscaler.close();
            preloader.close();
            supervisor.close(options.keepReplicas());
        }
    }
}
