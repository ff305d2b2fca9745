package io.kiban.store.recorder;

import io.kiban.store.Database;
import io.kiban.store.StoreException;
import io.kiban.store.audit.AuditEvent;
import io.kiban.store.history.HistoryRecord;
import io.kiban.store.usage.UsageIncrement;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.json.JsonMapper;

/**
 * The asynchronous, batched, durable writer of history, usage and audit events. Request threads
 * {@linkplain #submit(HistoryRecord) submit}; one writer thread commits batches; while the database is
 * unavailable batches wait in an fsync'd spool on local disk and are replayed, in order and exactly once, when it
 * is back.
 *
 * <h2>Implementation notes</h2>
 *
 * <p><b>Request path.</b> {@code submit} is an {@link ArrayBlockingQueue#offer}: O(1), no I/O, no blocking. If the
 * queue is full, by entries or by bytes (the database is slow or down and the writer is behind), the entry is
 * appended to the spool on the calling thread, one fsync (about a millisecond on SSD); the request path slows down
 * instead of losing data or growing the heap without bound.
 *
 * <p><b>Batching.</b> The writer takes whatever is queued, up to {@code maxBatchSize} entries and
 * {@code maxBatchBytes}, and commits it in one
 * transaction, so batches grow with load (group commit) and a lone request is written at once. A batch's history
 * records, the usage they imply, explicit usage increments and audit events go in together with the batch id.
 *
 * <p><b>Exactly once.</b> Every batch gets a random id, inserted into {@code recorder_batches} in the same
 * transaction as its rows. When a commit's outcome is unknown (the connection dropped during commit), the batch is
 * spooled and replayed; if it had been committed, its id is already there and the replay skips it. History ids
 * are unique too, and usage is derived only from history rows actually inserted.
 *
 * <p><b>Order.</b> Once anything is in the spool, new batches are appended behind it rather than written directly,
 * and the spool is replayed oldest first before direct writes resume.
 *
 * <p><b>Failures.</b> An error that means "database unavailable" (see {@link StoreException#isUnavailable}) sends
 * the batch to the spool and starts a backoff (100 ms doubling to {@code maxRetryDelay}); the next replay attempt
 * is the probe. An error that means "this data is invalid" splits the batch into single entries with derived
 * ids; an entry that still fails is appended to {@code rejected.log} in the spool directory and counted, never
 * dropped silently, and it cannot block the entries behind it.
 *
 * <p><b>Close and restart.</b> {@link #close()} keeps writing for up to {@code closeTimeout}, then appends what is
 * left to the spool and returns; submits after that go straight to the spool. A new Recorder on the same spool
 * directory replays it first.
 *
 * <p><b>What is durable when.</b> An entry is durable once its batch is committed (see the database's own
 * guarantee: PostgreSQL with {@code synchronous_commit=on}; H2 file with {@code WRITE_DELAY=0} survives a killed
 * JVM, not a power cut) or once it is in the spool ({@code fsync} per append). Until then it is in memory: a
 * killed JVM loses the queue, i.e. what was submitted during the last batch's write plus any backlog; a graceful
 * close loses nothing.
 *
 * <p><b>Known races</b>, as scenarios:
 * <ol>
 *   <li>A request thread submits while {@code close} finishes: it offers to the queue, then sees {@code closed} and
 *       drains the queue to the spool itself, so its entry cannot be stranded after the writer's last drain.
 *   <li>Overflow entries go to the spool on request threads while the writer commits older queued entries: the
 *       spool can then hold entries submitted after some that reached the database. Order is only guaranteed
 *       among what passes through the queue; history is ordered by its own timestamps and usage is a sum, so
 *       nothing depends on arrival order.
 *   <li>The writer crashes the JVM between committing a replayed batch and deleting its segment: the next start
 *       replays the segment again; every batch in it is skipped by id.
 *   <li>A commit succeeds but the driver reports a failure: the batch is spooled, replayed, skipped by id.
 * </ol>
 *
 * <p>This class is longer than most because the loop, the spool policy and the shutdown protocol only make sense
 * together; the file format lives in {@link Spool} and the transaction in {@link BatchWriter}.
 */
public final class Recorder implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Recorder.class.getName());
    private static final long POLL_MILLIS = 50;
    private static final long FIRST_RETRY_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final RecorderConfig config;
    private final RecorderListener listener;
    private final BatchWriter writer;
    private final Spool spool;
    private final ArrayBlockingQueue<SpooledEntry> queue;
    private final Thread thread;

    private final AtomicLong queuedBytes = new AtomicLong();
    private final AtomicLong submitted = new AtomicLong();
    private final AtomicLong settled = new AtomicLong(); // reached the database, the spool, or rejected.log
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong spooled = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private volatile long lastWriteNanos;

    private volatile boolean closing;
    private volatile boolean closed;
    private volatile long closeStartedNanos;

    // Writer-thread state.
    private volatile boolean available = true;
    private long retryAtNanos;
    private long backoffNanos;
    private long outageStartNanos;

    private Recorder(Database db, RecorderConfig config, Clock clock, RecorderListener listener) {
        this.config = Objects.requireNonNull(config, "config");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.writer = new BatchWriter(db, Objects.requireNonNull(clock, "clock"));
        this.spool = new Spool(config.spoolDirectory(), config.maxSegmentBytes(), JsonMapper.builder().build());
        this.queue = new ArrayBlockingQueue<>(config.queueCapacity());
        this.thread = new Thread(this::run, "kiban-recorder");
        this.thread.setDaemon(true);
    }

    /** Opens the spool (replaying whatever an earlier run left there) and starts the writer thread. */
    public static Recorder start(Database db, RecorderConfig config, Clock clock, RecorderListener listener) {
        var recorder = new Recorder(db, config, clock, listener);
        recorder.thread.start();
        return recorder;
    }

    /** Records a request: its history row and the usage it implies. Non-blocking unless the queue is full. */
    public void submit(HistoryRecord record) {
        enqueue(SpooledEntry.of(record));
    }

    /** Records usage that has no history row (none yet; batch jobs will). */
    public void submit(UsageIncrement increment) {
        enqueue(SpooledEntry.of(increment));
    }

    /** Records a security event. */
    public void submit(AuditEvent event) {
        enqueue(SpooledEntry.of(event));
    }

    /** Counters for health and metrics. */
    public RecorderStats stats() {
        return new RecorderStats(queue.size(), spool.pendingEntries(), submitted.get(), written.get(),
                spooled.get(), rejected.get(), lastWriteNanos, available);
    }

    /**
     * Waits until everything submitted so far, and everything in the spool, is in the database (or in
     * {@code rejected.log}). For tests and for a health check's "caught up" signal.
     *
     * @return false if that did not happen within the timeout
     */
    public boolean awaitWritten(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (queue.isEmpty() && settled.get() == submitted.get() && spool.isEmpty()) {
                return true;
            }
            Thread.sleep(5);
        }
        return false;
    }

    /**
     * Writes what it can within {@code closeTimeout}, spools the rest and stops the writer. Submits after this
     * go to the spool, to be replayed by the next Recorder on the same directory.
     */
    @Override
    public void close() {
        if (closing) {
            return;
        }
        closeStartedNanos = System.nanoTime();
        closing = true;
        try {
            thread.join(config.closeTimeout().plusSeconds(30).toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive()) {
            LOG.log(System.Logger.Level.ERROR, "recorder writer did not stop; its current batch may be lost");
        }
        closed = true;
        drainQueueToSpool("close-timeout");
        try {
            spool.close(); // a late submit reopens a segment; the next Recorder replays it
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "closing the spool failed", e);
        }
    }

    private void enqueue(SpooledEntry entry) {
        submitted.incrementAndGet();
        if (closed) {
            spoolEntries(List.of(entry), "closed");
            return;
        }
        long weight = entry.weight();
        long total = queuedBytes.addAndGet(weight);
        if (total > config.maxQueuedBytes() && total > weight) { // over budget, unless this entry is alone
            queuedBytes.addAndGet(-weight);
            spoolEntries(List.of(entry), "queue-full");
            return;
        }
        if (!queue.offer(entry)) {
            queuedBytes.addAndGet(-weight);
            spoolEntries(List.of(entry), "queue-full");
            return;
        }
        if (closed) {
            drainQueueToSpool("closed"); // race 1: close finished between our check and our offer
        }
    }

    private void run() {
        try {
            while (true) {
                boolean stopping = closing;
                if (stopping && System.nanoTime() - closeStartedNanos > config.closeTimeout().toNanos()) {
                    return;
                }
                if (!spool.isEmpty() && System.nanoTime() >= retryAtNanos) {
                    replaySpool();
                }
                List<SpooledEntry> entries = take(stopping);
                if (entries.isEmpty()) {
                    if (stopping && (spool.isEmpty() || System.nanoTime() < retryAtNanos)) {
                        return;
                    }
                    continue;
                }
                var batch = new SpooledBatch(UUID.randomUUID().toString(), entries);
                if (!spool.isEmpty() || (!available && System.nanoTime() < retryAtNanos)) {
                    // Keep order behind what is already spooled.
                    spoolBatch(batch, available ? "behind-spool" : "database-unavailable");
                } else {
                    writeOrSpool(batch);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException | Error e) {
            LOG.log(System.Logger.Level.ERROR, "recorder writer failed; entries go to the spool from now on", e);
        } finally {
            closed = true;
            drainQueueToSpool("close-timeout");
        }
    }

    /** Takes what is queued, up to the batch limits, waiting briefly for the first entry unless stopping. */
    private List<SpooledEntry> take(boolean stopping) throws InterruptedException {
        var entries = new ArrayList<SpooledEntry>();
        SpooledEntry next = stopping ? queue.poll() : queue.poll(POLL_MILLIS, TimeUnit.MILLISECONDS);
        long bytes = 0;
        while (next != null) {
            entries.add(next);
            bytes += next.weight();
            queuedBytes.addAndGet(-next.weight());
            if (entries.size() >= config.maxBatchSize()) {
                break;
            }
            // Peek, then poll: normally only this thread removes entries, so they are the same entry; after a
            // forced close another thread may drain concurrently, and then the limit is merely approximate.
            SpooledEntry peeked = queue.peek();
            if (peeked == null || bytes + peeked.weight() > config.maxBatchBytes()) {
                break;
            }
            next = queue.poll();
        }
        return entries;
    }

    private void writeOrSpool(SpooledBatch batch) {
        try {
            writeOrSplit(batch);
            settled.addAndGet(batch.entries().size());
            markAvailable();
        } catch (StoreException e) {
            // Only "unavailable" errors reach here; parts already committed are skipped by id on replay.
            spoolBatch(batch, "database-unavailable");
            markUnavailable(e);
        }
    }

    /** Writes a batch; on invalid data, entry by entry. Throws only when the database is unavailable. */
    private void writeOrSplit(SpooledBatch batch) {
        long start = System.nanoTime();
        try {
            BatchWriter.Outcome outcome = writer.write(batch);
            lastWriteNanos = System.nanoTime() - start;
            if (outcome == BatchWriter.Outcome.WRITTEN) {
                written.addAndGet(batch.entries().size());
                notify(() -> listener.written(batch.entries().size(), Duration.ofNanos(lastWriteNanos)));
            }
        } catch (StoreException e) {
            if (e.isUnavailable()) {
                throw e;
            }
            reject(batch, e);
        } catch (RuntimeException e) {
            reject(batch, e);
        }
    }

    private void reject(SpooledBatch batch, Exception cause) {
        if (batch.entries().size() > 1) {
            for (SpooledBatch part : BatchWriter.split(batch)) {
                writeOrSplit(part);
            }
            return;
        }
        LOG.log(System.Logger.Level.ERROR, "the database refused an entry; kept in rejected.log: " + cause);
        try {
            spool.reject(batch);
        } catch (IOException io) {
            LOG.log(System.Logger.Level.ERROR, "could not even write rejected.log; entry lost: " + batch, io);
        }
        rejected.incrementAndGet();
        notify(() -> listener.rejected(1, cause));
    }

    private void replaySpool() {
        try {
            spool.seal();
            for (long segment : spool.sealedSegments()) {
                var replayedEntries = new AtomicLong();
                spool.replay(segment, batch -> {
                    if (closing && System.nanoTime() - closeStartedNanos > config.closeTimeout().toNanos()) {
                        throw new CloseDeadline();
                    }
                    writeOrSplit(batch);
                    replayedEntries.addAndGet(batch.entries().size());
                });
                spool.delete(segment);
                notify(() -> listener.replayed((int) replayedEntries.get()));
            }
            markAvailable();
        } catch (StoreException e) {
            markUnavailable(e);
        } catch (CloseDeadline e) {
            // The rest stays in the spool for the next start.
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the spool", e);
        }
    }

    /** Thrown out of a replay when the close deadline passes. */
    private static final class CloseDeadline extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CloseDeadline() {
            super(null, null, false, false);
        }
    }

    private void spoolBatch(SpooledBatch batch, String reason) {
        try {
            spool.append(batch);
            spooled.addAndGet(batch.entries().size());
            notify(() -> listener.spooled(batch.entries().size(), reason));
        } catch (IOException e) {
            LOG.log(System.Logger.Level.ERROR, "cannot write the spool; " + batch.entries().size()
                    + " entries lost", e);
        }
        settled.addAndGet(batch.entries().size());
    }

    private void spoolEntries(List<SpooledEntry> entries, String reason) {
        spoolBatch(new SpooledBatch(UUID.randomUUID().toString(), entries), reason);
    }

    private void drainQueueToSpool(String reason) {
        var rest = new ArrayList<SpooledEntry>();
        queue.drainTo(rest);
        rest.forEach(e -> queuedBytes.addAndGet(-e.weight()));
        for (int from = 0; from < rest.size(); from += config.maxBatchSize()) {
            spoolEntries(rest.subList(from, Math.min(rest.size(), from + config.maxBatchSize())), reason);
        }
    }

    private void markUnavailable(Exception cause) {
        long now = System.nanoTime();
        if (available) {
            available = false;
            outageStartNanos = now;
            backoffNanos = FIRST_RETRY_NANOS;
            LOG.log(System.Logger.Level.WARNING, "database unavailable; spooling to " + config.spoolDirectory()
                    + ": " + cause.getMessage());
            notify(() -> listener.databaseUnavailable(cause));
        } else {
            backoffNanos = Math.min(backoffNanos * 2, config.maxRetryDelay().toNanos());
        }
        retryAtNanos = now + backoffNanos;
    }

    private void markAvailable() {
        if (!available) {
            available = true;
            Duration outage = Duration.ofNanos(System.nanoTime() - outageStartNanos);
            LOG.log(System.Logger.Level.INFO, "database reachable again after " + outage);
            notify(() -> listener.databaseRecovered(outage));
        }
        retryAtNanos = 0;
    }

    private void notify(Runnable call) {
        try {
            call.run();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "recorder listener failed", e);
        }
    }
}
