package io.kiban.server.web;

import io.kiban.server.ModelCatalog;
import io.kiban.server.ServerOptions;
import io.kiban.server.auth.AdminBootstrap;
import java.io.PrintStream;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationListener;

/**
 * Prints, once the server listens: the URL, the models, the admin key when it was just generated (on the console
 * only, never into a log), and a call to copy and paste.
 */
public class StartupReport implements ApplicationListener<ApplicationReadyEvent> {
    private final ServerOptions options;
    private final ModelCatalog catalog;
    private final AdminBootstrap.Result admin;

    public StartupReport(ServerOptions options, ModelCatalog catalog, AdminBootstrap.Result admin) {
        this.options = options;
        this.catalog = catalog;
        this.admin = admin;
    }

    @Override
    public void onApplicationEvent(ApplicationReadyEvent event) {
        PrintStream out = System.out;
        String host = options.host().equals("0.0.0.0") ? "127.0.0.1" : options.host();
        int port = event.getApplicationContext() instanceof WebServerApplicationContext web
                ? web.getWebServer().getPort() : options.port();
        String base = "http://" + host + ":" + port + "/v1";
        out.println();
        out.println("Kiban is running: " + base + "   (data: " + options.dataDir() + ")");
        if (catalog.entries().isEmpty()) {
            out.println("No models yet: restart with --model NAME=PATH.gguf, or put NAME.gguf files in " + options.modelsDir());
        } else {
            out.println("Models (they start in the background; GET /readyz says when they are ready):");
            for (ModelCatalog.Entry e : catalog.entries()) {
                var f = e.file();
                String what = f == null ? e.spec().urls().toString()
                        : String.format("%s, %s parameters, %s, context %s%s", f.architecture(), human(f.parameters()),
                                f.quantization(), f.contextLength(), e.spec().options().embeddings() ? ", embeddings" : "");
                out.println("  " + e.spec().name() + "  (" + what + ")");
            }
        }
        String keyRef;
        if (options.auth().equals("none")) {
            out.println("Authentication is OFF (--auth none): anyone who can reach this port can use it.");
            keyRef = "none";
        } else if (admin.newSecret() != null) {
            out.println("Admin API key (shown only this once; store it now):");
            out.println("  " + admin.newSecret());
            keyRef = "$KIBAN_KEY";
            out.println("  export KIBAN_KEY=" + admin.newSecret());
        } else if (admin.existingPrefix() != null) {
            out.println("Admin API key: the one printed at the first start (" + admin.existingPrefix()
                    + "…). Lost it? Set KIBAN_ADMIN_KEY and restart.");
            keyRef = "$KIBAN_KEY";
        } else {
            out.println("Admin API key: the value of KIBAN_ADMIN_KEY.");
            keyRef = "$KIBAN_ADMIN_KEY";
        }
        String model = catalog.entries().stream().filter(e -> !e.spec().options().embeddings()).map(e -> e.spec().name())
                .findFirst().orElse("MODEL");
        out.println("Try it:");
        out.println("  curl " + base + "/chat/completions -H \"Authorization: Bearer " + keyRef + "\" \\");
        out.println("    -H 'Content-Type: application/json' \\");
        out.println("    -d '{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}],\"max_tokens\":50}'");
        out.println();
        out.flush();
    }

    private static String human(Long n) {
        if (n == null) {
            return "?";
        }
        if (n >= 1_000_000_000) {
            return String.format("%.1fB", n / 1e9);
        }
        if (n >= 1_000_000) {
            return String.format("%.1fM", n / 1e6);
        }
        return String.format("%.0fK", n / 1e3);
    }
}
