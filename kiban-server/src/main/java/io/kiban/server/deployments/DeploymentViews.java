package io.kiban.server.deployments;

import io.kiban.api.Json;
import io.kiban.control.Deployment;
import io.kiban.control.Replica;
import io.kiban.control.ReplicaEndpoint;
import io.kiban.control.ScalingEvent;
import io.kiban.store.deployments.DeploymentRecord;
import java.time.Instant;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * How a deployment looks in {@code /api/v1/deployments}: its spec (without secrets), its status (desired and ready
 * replicas, waiting and in-flight requests, restarts, the autoscaler's last reason), each replica (state, endpoint,
 * in-flight requests, slots) and the recent scaling decisions with their reasons.
 */
final class DeploymentViews {
    private DeploymentViews() {}

    static ObjectNode render(Deployment d, DeploymentRecord r, boolean withDecisions) {
        ObjectNode v = Json.MAPPER.createObjectNode();
        v.put("object", "deployment");
        v.put("name", d.name());
        v.put("origin", d.spec().origin());
        if (r != null) {
            v.put("revision", r.revision());
            v.put("created_at", r.createdAt().toString());
            v.put("updated_at", r.updatedAt().toString());
        }
        v.set("spec", DeploymentDocument.write(d.spec(), false));
        ObjectNode s = v.putObject("status");
        s.put("state", state(d));
        s.put("desired_replicas", d.desiredReplicas());
        s.put("ready_replicas", d.readyReplicas());
        s.put("waiting_requests", d.waiting());
        s.put("in_flight_requests", d.inFlight());
        s.put("restarts", d.restarts());
        s.put("panicking", d.panicking());
        if (d.lastColdStartNanos() > 0) {
            s.put("last_cold_start_seconds", round(d.lastColdStartNanos() / 1e9));
        }
        if (d.lastDecisionReason() != null) {
            s.put("last_decision", d.lastDecisionReason());
        }
        ArrayNode replicas = v.putArray("replicas");
        for (Replica rep : d.replicas()) {
            ObjectNode o = replicas.addObject();
            o.put("id", rep.id());
            o.put("state", rep.state().name().toLowerCase(java.util.Locale.ROOT));
            ReplicaEndpoint e = rep.endpoint();
            if (e != null) {
                o.put("endpoint", "http://" + e.host() + ":" + e.port() + e.basePath());
            }
            if (rep.handle().pid() > 0) {
                o.put("pid", rep.handle().pid());
            }
            o.put("in_flight", rep.inFlight());
            o.put("slots", rep.capacity());
            o.put("adopted", rep.adopted());
            o.put("started_at", Instant.ofEpochMilli(rep.startedEpochMillis()).toString());
            if (rep.startupNanos() >= 0 && !rep.adopted()) {
                o.put("ready_after_seconds", round(rep.startupNanos() / 1e9));
            }
            if (rep.lastError() != null) {
                o.put("last_error", rep.lastError());
            }
            if (rep.handle().logLocation() != null) {
                o.put("log", rep.handle().logLocation());
            }
        }
        if (withDecisions) {
            ArrayNode decisions = v.putArray("recent_decisions");
            for (ScalingEvent e : d.recentDecisions().reversed()) {
                decisions.addObject().put("at", Instant.ofEpochMilli(e.atEpochMillis()).toString()).put("from", e.from())
                        .put("to", e.to()).put("reason", e.reason());
            }
        }
        return v;
    }

    /** {@code ready}, {@code starting}, {@code scaled_to_zero} or {@code unavailable}, as {@code GET /v1/models} says. */
    static String state(Deployment d) {
        boolean starting = false;
        for (Replica r : d.replicas()) {
            if (r.state() == Replica.State.READY) {
                return "ready";
            }
            starting |= r.state() == Replica.State.STARTING;
        }
        if (starting || d.desiredReplicas() > 0) {
            return "starting";
        }
        return d.spec().minReplicas() == 0 ? "scaled_to_zero" : "unavailable";
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
