package io.kiban.server;

import java.util.HashMap;
import java.util.Map;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Import;

/**
 * The Spring Boot application behind {@code kiban serve}. Spring stays at the edge: it wires the plain-Java modules
 * and serves the admin and portal routes; model calls go through a plain servlet to the gateway.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
@Import({ServerConfiguration.class, WebConfiguration.class, TenancyConfiguration.class, ControlConfiguration.class,
        MeteringConfiguration.class})
public class KibanServer {

    /** Starts the server; returns false when start-up failed (the reason was printed). */
    public static boolean run(ServerOptions options) {
        return run(options, ControlOptions.defaults());
    }

    /** Starts the server with control-plane settings; returns false when start-up failed. */
    public static boolean run(ServerOptions options, ControlOptions control) {
        return start(options, control, new String[0]) != null;
    }

    public static ConfigurableApplicationContext start(ServerOptions options, String[] args) {
        return start(options, ControlOptions.defaults(), args);
    }

    public static ConfigurableApplicationContext start(ServerOptions options, ControlOptions control, String[] args) {
        SpringApplication app = new SpringApplication(KibanServer.class);
        app.setWebApplicationType(WebApplicationType.SERVLET);
        app.setDefaultProperties(properties(options));
        app.addInitializers(ctx -> ctx.getBeanFactory().registerSingleton("serverOptions", options));
        app.addInitializers(ctx -> ctx.getBeanFactory().registerSingleton("controlOptions", control));
        try {
            return app.run(args);
        } catch (RuntimeException e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            System.err.println("kiban serve: could not start: " + root.getMessage());
            return null;
        }
    }

    static Map<String, Object> properties(ServerOptions o) {
        Map<String, Object> p = new HashMap<>();
        p.put("server.address", o.host());
        p.put("server.port", o.port());
        p.put("spring.threads.virtual.enabled", true);
        p.put("spring.main.banner-mode", "off");
        p.put("spring.main.log-startup-info", false);
        p.put("server.tomcat.max-connections", 20000);
        p.put("server.tomcat.accept-count", 1024);
        p.put("server.tomcat.max-keep-alive-requests", -1);
        p.put("server.tomcat.keep-alive-timeout", "75s");
        p.put("server.tomcat.max-swallow-size", -1);
        p.put("server.shutdown", "graceful");
        p.put("spring.lifecycle.timeout-per-shutdown-phase", "20s");
        p.put("spring.mvc.formcontent.filter.enabled", false);
        p.put("logging.level.root", "WARN");
        p.put("logging.level.io.kiban", "INFO");
        p.put("logging.pattern.console", "%d{HH:mm:ss.SSS} %-5level %logger{0} - %msg%n");
        return p;
    }
}
