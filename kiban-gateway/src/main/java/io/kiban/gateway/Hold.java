package io.kiban.gateway;

import io.kiban.gateway.spi.Endpoint;
import io.kiban.gateway.spi.Route;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;

/**
 * Waits for a replica on behalf of a streaming request, keeping the client's connection alive meanwhile: if no
 * replica is ready within a short first slice, the stream's headers are sent and an SSE comment
 * ({@code : waiting for model NAME (replica starting)}) follows every heartbeat until one is. Clients ignore
 * comments; proxies see bytes and keep the connection open. The first real chunk follows the moment a replica is
 * ready: each slice ends early when one becomes ready ({@link Route#poll}).
 *
 * <p>The last slice is the route's own {@link Route#acquire}, so a request that waits in vain gets the same refusal
 * (message, code) as a non-streamed one: as a status when nothing was sent yet, else as a final error event.
 *
 * <p>Also used while a broken stream waits for a replica to continue on; the stream is committed then.
 */
final class Hold {
    /** The first slice: short enough that clients see the connection alive at once, long enough that a replica
     * about to become ready keeps ordinary status codes for errors. */
    static final Duration FIRST_SLICE = Duration.ofSeconds(1);

    private final Exchange ex;
    private final String model;
    private final long heartbeatNanos;
    private byte[] comment; // made on the first heartbeat: most streams never wait
    private OutputStream out;

    /** The client went away: while its request was held, or while its whole response was generated. */
    static final class ClientGone extends Exception {
        ClientGone(IOException cause) {
            super("client went away", cause, false, false);
        }
    }

    Hold(Exchange ex, String model, Duration heartbeat) {
        this.ex = ex;
        this.model = model;
        this.heartbeatNanos = heartbeat.toNanos();
    }

    /** Sends the stream's status and headers (once); the body is then the returned stream. */
    OutputStream commit() throws IOException {
        if (out == null) {
            ex.status(200);
            ex.header("Content-Type", "text/event-stream");
            ex.header("Cache-Control", "no-cache");
            ex.header("X-Accel-Buffering", "no");
            out = ex.output();
        }
        return out;
    }

    boolean committed() {
        return out != null;
    }

    /**
     * An endpoint, waiting until {@code deadlineNanos} with heartbeats.
     *
     * @throws io.kiban.api.ApiException the route's refusal (at the deadline, or at once)
     */
    Endpoint acquire(Route route, byte[] prompt, Set<String> exclude, long deadlineNanos) throws InterruptedException, ClientGone {
        while (true) {
            long left = deadlineNanos - System.nanoTime();
            long slice = committed() ? heartbeatNanos : Math.min(heartbeatNanos, FIRST_SLICE.toNanos());
            if (left <= slice) {
                return route.acquire(prompt, exclude, deadlineNanos);
            }
            Endpoint e = route.poll(prompt, exclude, slice);
            if (e != null) {
                return e;
            }
            if (comment == null) {
                comment = (": waiting for model " + model.replaceAll("\\p{Cntrl}", "?") + " (replica starting)\n\n")
                        .getBytes(StandardCharsets.UTF_8);
            }
            try {
                OutputStream o = commit();
                o.write(comment);
                o.flush();
            } catch (IOException e1) {
                throw new ClientGone(e1);
            }
        }
    }
}
