package io.kiban.gateway.spi;

/** Finds the route to a model by name. */
public interface ModelRouter {
    /** The route, or null when no such model exists (or the principal may not see it: both look the same). */
    Route route(String model, Principal principal);
}
