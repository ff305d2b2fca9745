package io.kiban.gateway;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Notices clients that go away while their whole (non-streamed) response is being generated. Nothing is written to
 * such a client until the runtime is done, so a closed connection shows only when asked: one daemon thread asks
 * {@link Exchange#clientGone()} of every watched call a few times a second and runs the call's action (abort the
 * upstream call, cancel the generation) for those whose client is gone. Streams need no watch: their writes fail.
 *
 * <p>Cost: a set insertion and removal per watched call, and one non-blocking read per watched call and period on
 * the watch thread (about a microsecond each).
 */
final class DisconnectWatch {
    private static final System.Logger LOG = System.getLogger(DisconnectWatch.class.getName());

    /** The JVM's watch: one thread, started with the first watched call. */
    static final DisconnectWatch SHARED = new DisconnectWatch(Duration.ofMillis(200));

    private final long periodNanos;
    private final Set<Watch> watches = ConcurrentHashMap.newKeySet();
    private Thread thread;

    DisconnectWatch(Duration period) {
        this.periodNanos = period.toNanos();
    }

    /** Watches {@code ex} until the returned watch is closed; {@code onGone} runs once, on the watch thread. */
    Watch watch(Exchange ex, Runnable onGone) {
        Watch w = new Watch(ex, onGone);
        watches.add(w);
        start();
        return w;
    }

    private synchronized void start() {
        if (thread == null) {
            thread = Thread.ofPlatform().daemon().name("kiban-disconnect-watch").start(this::run);
        }
    }

    private void run() {
        while (true) {
            LockSupport.parkNanos(periodNanos);
            for (Watch w : watches) {
                try {
                    w.probe();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "probing a client connection failed", e);
                    w.close();
                }
            }
        }
    }

    final class Watch implements AutoCloseable {
        private final Exchange ex;
        private final Runnable onGone;
        private boolean closed;
        private volatile boolean gone;

        private Watch(Exchange ex, Runnable onGone) {
            this.ex = ex;
            this.onGone = onGone;
        }

        /** Under the watch's lock, so that after {@link #close()} returns no probe touches the connection. */
        private synchronized void probe() {
            if (!closed && !gone && ex.clientGone()) {
                gone = true;
                onGone.run();
            }
        }

        /** Whether the client was found gone (and the action ran). */
        boolean gone() {
            return gone;
        }

        @Override
        public synchronized void close() {
            closed = true;
            watches.remove(this);
        }
    }
}
