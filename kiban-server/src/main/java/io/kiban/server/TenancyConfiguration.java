package io.kiban.server;

import io.kiban.gateway.spi.Authenticator;
import io.kiban.server.auth.AuthFailureAuditor;
import io.kiban.server.tenancy.AuditLog;
import io.kiban.server.tenancy.KeyService;
import io.kiban.server.tenancy.ProjectService;
import io.kiban.server.tenancy.UserService;
import io.kiban.server.web.AuditController;
import io.kiban.server.web.Callers;
import io.kiban.server.web.KeysController;
import io.kiban.server.web.ProjectsController;
import io.kiban.server.web.UsersController;
import io.kiban.store.Database;
import io.kiban.store.audit.AuditRepository;
import io.kiban.store.keys.ApiKeyRepository;
import io.kiban.store.keys.KeyCache;
import io.kiban.store.keys.KeySecrets;
import io.kiban.store.keys.LastUseTracker;
import io.kiban.store.recorder.Recorder;
import io.kiban.store.tenancy.ProjectRepository;
import io.kiban.store.tenancy.UserRepository;
import java.time.Clock;
import java.time.Duration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * Wires tenancy administration: users, projects, keys and the audit log (logic in {@code server.tenancy}, HTTP in
 * {@code server.web}), the last-use tracker and the authentication-failure auditor used by the
 * {@code KeyAuthenticator}. Audit events go through the store's {@link Recorder} (defined in {@code MeteringConfiguration}).
 */
@Configuration(proxyBeanMethods = false)
@Import({UsersController.class, ProjectsController.class, KeysController.class, AuditController.class})
class TenancyConfiguration {
    private static final System.Logger LOG = System.getLogger(TenancyConfiguration.class.getName());

    /** How often key last-use times reach the database; a crash loses at most this much of them. */
    static final Duration LAST_USE_FLUSH = Duration.ofSeconds(15);
    /** Authentication failures of one client and reason are written once, then summarised per window. */
    static final Duration AUTH_FAILURE_WINDOW = Duration.ofMinutes(1);
    /** Distinct (address, reason, key) groups tracked per window before failures are pooled under address "*". */
    static final int AUTH_FAILURE_GROUPS = 1000;

    @Bean
    ProjectRepository projectRepository(Database db) {
        return new ProjectRepository(db);
    }

    @Bean
    AuditRepository auditRepository(Database db) {
        return new AuditRepository(db);
    }

    @Bean(destroyMethod = "close")
    LastUseTracker lastUseTracker(ApiKeyRepository keys) {
        return new LastUseTracker(keys).start(LAST_USE_FLUSH);
    }

    @Bean
    AuditLog auditLog(Recorder recorder, AuditRepository repository) {
        return new AuditLog(recorder::submit, repository, Clock.systemUTC());
    }

    @Bean(destroyMethod = "close")
    AuthFailureAuditor authFailureAuditor(Recorder recorder) {
        return new AuthFailureAuditor(recorder::submit, Clock.systemUTC(), AUTH_FAILURE_WINDOW, AUTH_FAILURE_GROUPS)
                .start(Duration.ofSeconds(5));
    }

    @Bean
    Callers callers(Authenticator auth, KeyCache keyCache) {
        return new Callers(auth, keyCache);
    }

    @Bean
    UserService userService(UserRepository users, KeyCache keyCache, AuditLog audit) {
        return new UserService(users, keyCache, audit, Clock.systemUTC());
    }

    @Bean
    ProjectService projectService(ProjectRepository projects, UserRepository users, AuditLog audit) {
        return new ProjectService(projects, users, audit, Clock.systemUTC());
    }

    @Bean
    KeyService keyService(ApiKeyRepository keys, UserRepository users, ProjectRepository projects, KeyCache keyCache,
            AuditLog audit) {
        return new KeyService(keys, users, projects, keyCache, new KeySecrets(), audit, Clock.systemUTC());
    }
}
