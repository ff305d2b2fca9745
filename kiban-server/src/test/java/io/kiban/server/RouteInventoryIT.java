package io.kiban.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.bench.sim.Simulator;
import io.kiban.server.RouteInventory.Route;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Function-level authorisation from the server's own route inventory (reliability A3): every route the running
 * server registers must have a line in {@code route-policy.txt}, every line must name a registered route, and every
 * route is called as an anonymous client, a user and an administrator, and must let in exactly whom the policy
 * says. Adding a route therefore means adding one policy line; nothing else in this test changes.
 *
 * <p>Probes use placeholder ids and empty JSON bodies, so a permitted call ends in 400 or 404 without side effects;
 * "let in" means any answer other than 401 and 403.
 */
class RouteInventoryIT {
    static final String POLICY = "route-policy.txt";
    static final String PLACEHOLDER = "inventory-probe";

    enum Access { ANONYMOUS, LOOPBACK, USER, ADMIN }

    static Simulator sim;
    static TestServer server;
    static JsonHttp http;
    static String userKey;

    @BeforeAll
    static void start() throws Exception {
        sim = Simulator.builder().start();
        Path dir = Files.createTempDirectory("kiban-routes-it");
        server = TestServer.start(dir.resolve("data"), List.of(), List.of("sim=" + sim.baseUrl()), 1, Duration.ofSeconds(5));
        http = new JsonHttp(server.root());
        AdminApi admin = new AdminApi(http, server.adminKey);
        userKey = admin.key(admin.user("route-prober"), "").secret();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (sim != null) {
            sim.close();
        }
    }

    static Map<Route, Access> policy() throws IOException {
        Map<Route, Access> policy = new TreeMap<>();
        try (InputStream in = RouteInventoryIT.class.getClassLoader().getResourceAsStream(POLICY)) {
            assertThat(in).as(POLICY + " on the test class path").isNotNull();
            int n = 0;
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                n++;
                String text = line.replaceAll("#.*", "").strip();
                if (text.isEmpty()) {
                    continue;
                }
                String[] f = text.split("\\s+");
                assertThat(f).as(POLICY + ":" + n + " must be 'METHOD PATH ACCESS'").hasSize(3);
                Access access = Access.valueOf(f[2].toUpperCase(java.util.Locale.ROOT));
                assertThat(policy.put(new Route(f[0], f[1]), access)).as(POLICY + ":" + n + " repeats a route").isNull();
            }
        }
        return policy;
    }

    @Test
    void every_registered_route_has_a_policy_line_and_every_line_a_route() throws IOException {
        Set<Route> registered = RouteInventory.of(server.context);
        Set<Route> declared = policy().keySet();
        Set<Route> unlisted = new TreeSet<>(registered);
        unlisted.removeAll(declared);
        Set<Route> stale = new TreeSet<>(declared);
        stale.removeAll(registered);
        assertThat(unlisted).as("routes without a line in " + POLICY + " (add 'METHOD PATH anonymous|loopback|user|admin')")
                .isEmpty();
        assertThat(stale).as("lines in " + POLICY + " for routes that no longer exist").isEmpty();
    }

    @Test
    void every_route_lets_in_exactly_whom_its_policy_names() throws IOException {
        List<String> violations = new ArrayList<>();
        int probes = 0;
        for (Map.Entry<Route, Access> e : policy().entrySet()) {
            Route route = e.getKey();
            Access access = e.getValue();
            for (String who : List.of("anonymous", "user", "admin")) {
                String key = switch (who) {
                    case "user" -> userKey;
                    case "admin" -> server.adminKey;
                    default -> null;
                };
                JsonHttp.Answer a = probe(route, key);
                probes++;
                int expected = expected(access, who);
                boolean ok = expected == 0 ? a.status() != 401 && a.status() != 403 : a.status() == expected;
                if (!ok) {
                    violations.add(route + " as " + who + ": expected " + (expected == 0 ? "to be let in" : expected)
                            + ", got " + a);
                }
                if (a.status() == 401 || a.status() == 403) {
                    assertThat(a.error().path("type").asString()).as(route + " " + who)
                            .isIn("authentication_error", "permission_error");
                }
            }
        }
        assertThat(violations).as("authorisation violations over " + probes + " probes").isEmpty();
    }

    @Test
    void path_variants_of_administrator_routes_do_not_let_a_user_in() throws IOException {
        List<String> leaks = new ArrayList<>();
        for (Map.Entry<Route, Access> e : policy().entrySet()) {
            if (e.getValue() != Access.ADMIN) {
                continue;
            }
            String path = concrete(e.getKey().path());
            for (String variant : List.of("/" + path, path + "/", path + ";x=1", path.replace("/api/", "/API/"),
                    path.replace("/api/", "/api/./"), path.replace("/v1/", "/v1/%2e/"), path.replace("/api/", "/%61pi/"))) {
                JsonHttp.Answer a = http.send(method(e.getKey()), variant, userKey, body(e.getKey()));
                if (a.status() < 300) {
                    leaks.add(method(e.getKey()) + " " + variant + " -> " + a);
                }
            }
        }
        assertThat(leaks).isEmpty();
    }

    @Test
    void development_surfaces_are_not_served() {
        for (String path : List.of("/actuator", "/actuator/env", "/actuator/heapdump", "/h2-console", "/swagger-ui.html",
                "/v3/api-docs", "/error/../actuator/env")) {
            assertThat(http.get(path, server.adminKey).status()).as(path).isIn(400, 404);
        }
    }

    /** 0 means "let in" (any status but 401 and 403). */
    static int expected(Access access, String who) {
        return switch (access) {
            case ANONYMOUS, LOOPBACK -> 0; // the test client is on loopback
            case USER -> who.equals("anonymous") ? 401 : 0;
            case ADMIN -> who.equals("anonymous") ? 401 : who.equals("user") ? 403 : 0;
        };
    }

    static JsonHttp.Answer probe(Route route, String key) {
        return http.send(method(route), concrete(route.path()), key, body(route));
    }

    static String method(Route route) {
        return route.method().equals("*") ? "GET" : route.method();
    }

    static String body(Route route) {
        return switch (method(route)) {
            case "POST", "PUT", "PATCH" -> "{}";
            default -> null;
        };
    }

    /** A path pattern with placeholders for its variables and wildcards. */
    static String concrete(String pattern) {
        return pattern.replaceAll("\\{[^}]+}", PLACEHOLDER).replace("/**", "/" + PLACEHOLDER).replace("/*", "/" + PLACEHOLDER);
    }
}
