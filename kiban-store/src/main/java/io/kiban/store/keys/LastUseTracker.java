package io.kiban.store.keys;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps each key's latest use in memory and writes it to {@code api_keys.last_used_at} periodically, so the
 * request path never issues an UPDATE.
 *
 * <p>Implementation notes. {@link #touch} is one {@link ConcurrentHashMap#merge} keeping the later instant, so
 * a thousand requests on one key between flushes cost one UPDATE. {@link #flush} takes each entry out with
 * {@code remove(key, value)}: if a request touched the key meanwhile the newer value stays for the next flush. Each
 * key is written in its own auto-committed statement, in id order: one row lock at a time, so the flush cannot
 * deadlock with key changes or with another server's flush. The UPDATE only moves the time forward, so servers
 * flushing in any order converge on the latest use. On failure the values are merged back and retried next time;
 * a crash loses at most one interval of last-use times (they are informational, not billing data).
 */
public final class LastUseTracker implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(LastUseTracker.class.getName());

    private final ApiKeyRepository repository;
    private final ConcurrentHashMap<String, Instant> pending = new ConcurrentHashMap<>();
    private ScheduledExecutorService flusher;

    public LastUseTracker(ApiKeyRepository repository) {
        this.repository = Objects.requireNonNull(repository, "repository");
    }

    /** Records that a key was used at {@code at}. O(1), no I/O. */
    public void touch(String keyId, Instant at) {
        pending.merge(keyId, at, (a, b) -> a.isAfter(b) ? a : b);
    }

    /** Starts flushing every {@code interval} on a daemon thread. */
    public synchronized LastUseTracker start(Duration interval) {
        if (flusher != null) {
            throw new IllegalStateException("already started");
        }
        flusher = Executors.newSingleThreadScheduledExecutor(r -> {
            var thread = new Thread(r, "kiban-last-use");
            thread.setDaemon(true);
            return thread;
        });
        long millis = interval.toMillis();
        flusher.scheduleWithFixedDelay(this::flushQuietly, millis, millis, TimeUnit.MILLISECONDS);
        return this;
    }

    /** Writes the pending times; returns how many keys were written. */
    public int flush() {
        var batch = new TreeMap<String, Instant>();
        for (Map.Entry<String, Instant> e : pending.entrySet()) {
            if (pending.remove(e.getKey(), e.getValue())) {
                batch.put(e.getKey(), e.getValue());
            }
        }
        int written = 0;
        for (var it = batch.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Instant> e = it.next();
            try {
                repository.touchLastUsed(e.getKey(), e.getValue());
                written++;
                it.remove();
            } catch (RuntimeException failure) {
                batch.forEach(this::touch); // keep everything not yet written for the next flush
                throw failure;
            }
        }
        return written;
    }

    /** Keys waiting to be written. */
    public int pendingCount() {
        return pending.size();
    }

    /** Stops the timer and writes what is pending (best effort). */
    @Override
    public synchronized void close() {
        if (flusher != null) {
            flusher.shutdown();
            try {
                flusher.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        flushQuietly();
    }

    private void flushQuietly() {
        try {
            flush();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "last-use flush failed; will retry: " + e);
        }
    }
}
