package io.kiban.server;

import io.kiban.gateway.Gateway;
import io.kiban.server.web.ApiErrorAdvice;
import io.kiban.server.web.GatewayServlet;
import io.kiban.server.web.HealthController;
import io.kiban.server.web.MetricsController;
import io.kiban.server.web.ModelsController;
import io.kiban.server.web.StartupReport;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/** The HTTP surface: the gateway servlet for model calls, Spring MVC for everything else. */
@Configuration(proxyBeanMethods = false)
@Import({ModelsController.class, HealthController.class, MetricsController.class, ApiErrorAdvice.class, StartupReport.class})
class WebConfiguration {

    @Bean
    ServletRegistrationBean<GatewayServlet> gatewayServlet(Gateway gateway) {
        ServletRegistrationBean<GatewayServlet> reg = new ServletRegistrationBean<>(new GatewayServlet(gateway), GatewayServlet.PATHS);
        reg.setName("kibanGateway");
        reg.setLoadOnStartup(1);
        reg.setAsyncSupported(true);
        return reg;
    }
}
