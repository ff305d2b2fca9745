package io.kiban.server;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.ApplicationContext;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.servlet.HandlerMapping;
import org.springframework.web.servlet.handler.AbstractUrlHandlerMapping;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.RequestMappingInfoHandlerMapping;

/**
 * Every route a running server answers, read from the server itself: each Spring MVC handler mapping (annotated
 * controllers, URL-mapped handlers such as static resources) and each servlet registered beside the dispatcher
 * (the gateway's model-call paths, which it serves for POST and hands to the dispatcher otherwise).
 */
final class RouteInventory {
    /** One route: an HTTP method ({@code *} when the mapping takes any) and a path pattern. */
    record Route(String method, String path) implements Comparable<Route> {
        @Override
        public int compareTo(Route o) {
            int c = path.compareTo(o.path);
            return c != 0 ? c : method.compareTo(o.method);
        }

        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    private RouteInventory() {}

    static Set<Route> of(ApplicationContext context) {
        Set<Route> routes = new TreeSet<>();
        for (HandlerMapping mapping : context.getBeansOfType(HandlerMapping.class).values()) {
            if (mapping instanceof RequestMappingInfoHandlerMapping m) {
                for (RequestMappingInfo info : m.getHandlerMethods().keySet()) {
                    Set<RequestMethod> methods = info.getMethodsCondition().getMethods();
                    for (String pattern : info.getPatternValues()) {
                        if (methods.isEmpty()) {
                            routes.add(new Route("*", pattern));
                        }
                        methods.forEach(method -> routes.add(new Route(method.name(), pattern)));
                    }
                }
            } else if (mapping instanceof AbstractUrlHandlerMapping m) {
                m.getHandlerMap().keySet().forEach(pattern -> routes.add(new Route("GET", pattern)));
            }
        }
        for (ServletRegistrationBean<?> servlet : servlets(context)) {
            if (!servlet.getServletName().equals("dispatcherServlet")) {
                servlet.getUrlMappings().forEach(path -> routes.add(new Route("POST", path)));
            }
        }
        return routes;
    }

    @SuppressWarnings("rawtypes")
    private static List<ServletRegistrationBean<?>> servlets(ApplicationContext context) {
        List<ServletRegistrationBean<?>> out = new ArrayList<>();
        for (ServletRegistrationBean s : context.getBeansOfType(ServletRegistrationBean.class).values()) {
            out.add(s);
        }
        return out;
    }
}
