package io.kiban.gateway.upstream;

import java.io.Closeable;
import java.io.IOException;

/**
 * A way to end one upstream call from another thread: the gateway aborts the call of a client that went away, and
 * the client's blocked read then fails at once. The upstream client attaches the connection the call uses and
 * detaches it before the connection goes back to its pool, so an abort never reaches a connection that another call
 * took over since.
 */
public final class Abort {
    private Closeable target;
    private boolean aborted;

    /** Called by upstream clients: the call now uses {@code connection}; closed at once if already aborted. */
    public synchronized void attach(Closeable connection) {
        target = connection;
        if (aborted) {
            closeQuietly(connection);
        }
    }

    /** Called by upstream clients before {@code connection} is reused: aborting no longer touches it. */
    public synchronized void detach(Closeable connection) {
        if (target == connection) {
            target = null;
        }
    }

    /** Ends the call: its connection is closed, and a call not yet started fails as soon as it attaches one. */
    public synchronized void abort() {
        aborted = true;
        if (target != null) {
            closeQuietly(target);
            target = null;
        }
    }

    public synchronized boolean aborted() {
        return aborted;
    }

    private static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // Closed already.
        }
    }
}
