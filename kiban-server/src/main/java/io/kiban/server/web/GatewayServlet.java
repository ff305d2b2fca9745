package io.kiban.server.web;

import io.kiban.gateway.Gateway;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;

/**
 * The data plane's entry: a plain servlet mapped to the model-call paths, ahead of Spring MVC's dispatcher, so
 * model calls skip handler mapping, argument resolution and message converters. Other methods on the same paths
 * (such as {@code GET /v1/chat/completions}, the stored-completions list) go to the dispatcher.
 */
public final class GatewayServlet extends HttpServlet {
    public static final String[] PATHS = {"/v1/chat/completions", "/v1/completions", "/v1/embeddings"};

    private final transient Gateway gateway;

    public GatewayServlet(Gateway gateway) {
        this.gateway = gateway;
    }

    @Override
    protected void service(HttpServletRequest req, HttpServletResponse res) throws ServletException, IOException {
        if (req.getMethod().equals("POST")) {
            gateway.handle(new ServletExchange(req, res));
            return;
        }
        RequestDispatcher dispatcher = getServletContext().getNamedDispatcher("dispatcherServlet");
        dispatcher.forward(req, res);
    }
}
