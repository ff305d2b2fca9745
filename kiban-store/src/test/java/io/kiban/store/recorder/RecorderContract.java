package io.kiban.store.recorder;

import static io.kiban.store.testing.Fixtures.T0;
import static io.kiban.store.testing.Fixtures.history;
import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.store.Database;
import io.kiban.store.audit.AuditEvent;
import io.kiban.store.history.HistoryKind;
import io.kiban.store.history.HistoryRecord;
import io.kiban.store.history.HistoryStatus;
import io.kiban.store.usage.UsageIncrement;
import io.kiban.store.testing.FailingDataSource;
import io.kiban.store.testing.TestDatabase;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The durability contract of {@link Recorder}, run on H2 and on PostgreSQL: nothing submitted is lost or
 * written twice, across concurrency, restarts, outages and lost commit acknowledgements.
 */
public abstract class RecorderContract {
    @TempDir
    Path spoolDir;

    protected TestDatabase testDb;
    /** Sits between the Recorder and the database, to lose connections or commit acknowledgements on demand. */
    protected FailingDataSource failing;
    private Database recorderDb;
    private final List<Recorder> recorders = new ArrayList<>();
    private final Map<String, AtomicLong> spooledByReason = new ConcurrentHashMap<>();
    private final RecorderListener countingListener = new RecorderListener() {
        @Override
        public void spooled(int entries, String reason) {
            spooledByReason.computeIfAbsent(reason, r -> new AtomicLong()).addAndGet(entries);
        }
    };

    protected abstract TestDatabase newDatabase();

    /** How long the outage in {@link #an_outage_is_bridged_by_the_spool_with_nothing_lost_or_doubled} lasts. */
    protected abstract Duration outageLength();

    /** Makes the database unavailable to the Recorder (for real where the database allows it) or available. */
    protected abstract void outage(boolean down);

    @BeforeEach
    void open() {
        testDb = newDatabase();
        testDb.database(); // migrate before the Recorder's pool is opened
        failing = new FailingDataSource(testDb.openAnother().dataSource());
        recorderDb = Database.wrap(failing, testDb.dialect());
    }

    @AfterEach
    void close() {
        recorders.forEach(Recorder::close);
        failing.down(false);
        testDb.close();
    }

    private RecorderConfig config() {
        return RecorderConfig.defaults(spoolDir).withMaxRetryDelay(Duration.ofMillis(500));
    }

    private Recorder start(RecorderConfig config) {
        Recorder recorder = Recorder.start(recorderDb, config, Clock.systemUTC(), countingListener);
        recorders.add(recorder);
        return recorder;
    }

    private long query(String sql) {
        return testDb.database().withConnection(c -> {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    private long historyRows() {
        return query("SELECT COUNT(*) FROM history");
    }

    private long distinctHistoryIds() {
        return query("SELECT COUNT(DISTINCT id) FROM history");
    }

    private long usageRequests() {
        return query("SELECT COALESCE(SUM(requests), 0) FROM usage_hourly");
    }

    private static HistoryRecord record(String id) {
        return history(id, "alice", T0);
    }

    @Test
    void a_thousand_concurrent_submits_all_land_exactly_once() throws Exception {
        Recorder recorder = start(config());
        int n = 1000;
        var ready = new CountDownLatch(n);
        var go = new CountDownLatch(1);
        long[] submitNanos = new long[n];
        try (var threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                int index = i;
                threads.submit(() -> {
                    ready.countDown();
                    go.await();
                    long start = System.nanoTime();
                    recorder.submit(record("chatcmpl-" + index));
                    submitNanos[index] = System.nanoTime() - start;
                    return null;
                });
            }
            ready.await();
            go.countDown();
        }

        assertThat(recorder.awaitWritten(Duration.ofSeconds(30))).isTrue();
        assertThat(historyRows()).isEqualTo(n);
        assertThat(usageRequests()).isEqualTo(n);
        assertThat(recorder.stats().written()).isEqualTo(n);
        Arrays.sort(submitNanos);
        System.out.printf("[kiban-store] %s: 1,000 concurrent submits, all written once; submit() p50 %.1f µs, "
                + "p99 %.1f µs, max %.1f µs%n", getClass().getSimpleName(), submitNanos[n / 2] / 1e3,
                submitNanos[n * 99 / 100] / 1e3, submitNanos[n - 1] / 1e3);
    }

    @Test
    void a_graceful_close_writes_or_spools_everything_and_the_next_start_replays_it() throws Exception {
        Recorder first = start(config().withCloseTimeout(Duration.ZERO));
        int n = 5000;
        for (int i = 0; i < n; i++) {
            first.submit(record("chatcmpl-" + i));
        }
        first.close();
        long inDatabase = historyRows();
        long inSpool = first.stats().spoolPendingEntries();

        assertThat(inDatabase + inSpool).as("every entry is in the database or the spool").isEqualTo(n);

        Recorder second = start(config());
        assertThat(second.awaitWritten(Duration.ofSeconds(30))).isTrue();
        assertThat(historyRows()).isEqualTo(n);
        assertThat(distinctHistoryIds()).isEqualTo(n);
        assertThat(usageRequests()).isEqualTo(n);
        System.out.printf("[kiban-store] %s: closed with 5,000 just submitted: %d in the database, %d spooled; "
                + "after restart 5,000 written once%n", getClass().getSimpleName(), inDatabase, inSpool);
    }

    @Test
    void an_outage_is_bridged_by_the_spool_with_nothing_lost_or_doubled() throws Exception {
        Recorder recorder = start(config());
        var submitted = new AtomicInteger();
        for (int i = 0; i < 100; i++) {
            recorder.submit(record("before-" + submitted.incrementAndGet()));
        }
        assertThat(recorder.awaitWritten(Duration.ofSeconds(30))).isTrue();

        outage(true);
        long outageStart = System.nanoTime();
        long maxSubmitNanos = 0;
        while (System.nanoTime() - outageStart < outageLength().toNanos()) {
            for (int i = 0; i < 10; i++) {
                long t = System.nanoTime();
                recorder.submit(record("during-" + submitted.incrementAndGet()));
                maxSubmitNanos = Math.max(maxSubmitNanos, System.nanoTime() - t);
            }
            Thread.sleep(50); // about 200 requests per second
        }
        long spooledDuringOutage = recorder.stats().spooled();
        outage(false);
        long recoveryStart = System.nanoTime();
        for (int i = 0; i < 100; i++) {
            recorder.submit(record("after-" + submitted.incrementAndGet()));
        }

        assertThat(recorder.awaitWritten(Duration.ofSeconds(60))).isTrue();
        double recoverySeconds = (System.nanoTime() - recoveryStart) / 1e9;
        assertThat(historyRows()).isEqualTo(submitted.get());
        assertThat(distinctHistoryIds()).isEqualTo(submitted.get());
        assertThat(usageRequests()).isEqualTo(submitted.get());
        assertThat(spooledDuringOutage).as("the outage really sent entries to the spool").isPositive();
        System.out.printf("[kiban-store] %s: %d s outage, %d entries submitted, %d spooled, all written once "
                + "%.1f s after the database came back; slowest submit() %.1f ms%n", getClass().getSimpleName(),
                outageLength().toSeconds(), submitted.get(), spooledDuringOutage, recoverySeconds,
                maxSubmitNanos / 1e6);
    }

    @Test
    void a_commit_whose_acknowledgement_is_lost_is_not_applied_twice() throws Exception {
        Recorder recorder = start(config());
        failing.loseCommitAcknowledgements(3);
        for (int i = 0; i < 10; i++) {
            recorder.submit(record("chatcmpl-" + i));
            recorder.submit(new UsageIncrement(T0, "bob", null, null, "m", 1, 0, 10, 10));
            recorder.submit(new AuditEvent("ev-" + i, T0, "alice", "key.created", "key", "k" + i, null, Map.of()));
            Thread.sleep(20); // separate batches, so several commits lose their acknowledgement
        }

        assertThat(recorder.awaitWritten(Duration.ofSeconds(30))).isTrue();
        assertThat(failing.pendingLostAcknowledgements()).isZero();
        assertThat(historyRows()).isEqualTo(10);
        assertThat(usageRequests()).as("10 from history, 10 explicit, none twice").isEqualTo(20);
        assertThat(query("SELECT COALESCE(SUM(prompt_tokens), 0) FROM usage_hourly WHERE user_id = 'bob'"))
                .isEqualTo(100);
        assertThat(query("SELECT COUNT(*) FROM audit_events")).isEqualTo(10);
    }

    @Test
    void an_invalid_entry_is_set_aside_without_blocking_the_others() throws Exception {
        Recorder recorder = start(config());
        var invalid = new HistoryRecord("chatcmpl-bad", HistoryKind.CHAT, "alice", null, null, "m",
                "x".repeat(100), HistoryStatus.COMPLETED, 200, "{}", "{}", T0, null, 1, 1, 1, Map.of());
        for (int i = 0; i < 10; i++) {
            recorder.submit(record("chatcmpl-" + i));
        }
        recorder.submit(invalid);
        for (int i = 10; i < 20; i++) {
            recorder.submit(record("chatcmpl-" + i));
        }

        assertThat(recorder.awaitWritten(Duration.ofSeconds(30))).isTrue();
        assertThat(historyRows()).isEqualTo(20);
        assertThat(usageRequests()).isEqualTo(20);
        assertThat(recorder.stats().rejected()).isEqualTo(1);
        assertThat(Files.readString(spoolDir.resolve("rejected.log"))).contains("chatcmpl-bad");
    }

    @Test
    void with_the_queue_full_submits_go_to_the_spool_and_still_land() throws Exception {
        Recorder recorder = start(config().withQueueCapacity(4, 64L << 20));
        failing.down(true);
        int n = 400;
        try (var threads = Executors.newFixedThreadPool(8)) {
            for (int i = 0; i < n; i++) {
                int index = i;
                threads.submit(() -> recorder.submit(record("chatcmpl-" + index)));
            }
        }
        assertThat(spooledByReason.get("queue-full").get()).as("request threads spooled what did not fit")
                .isPositive();
        failing.down(false);

        assertThat(recorder.awaitWritten(Duration.ofSeconds(30))).isTrue();
        assertThat(historyRows()).isEqualTo(n);
        assertThat(usageRequests()).isEqualTo(n);
    }

    @Test
    void large_bodies_fill_the_queue_by_bytes_and_overflow_to_the_spool() throws Exception {
        Recorder recorder = start(config().withQueueCapacity(10_000, 100_000).withMaxBatch(500, 50_000));
        failing.down(true);
        String body = "{\"image\":\"" + "A".repeat(20_000) + "\"}";
        int n = 30;
        for (int i = 0; i < n; i++) {
            HistoryRecord r = record("chatcmpl-" + i);
            recorder.submit(new HistoryRecord(r.id(), r.kind(), r.userId(), r.keyId(), r.projectId(), r.model(),
                    r.clientIp(), r.status(), r.httpStatus(), body, body, r.createdAt(), r.ttftMs(), r.durationMs(),
                    r.promptTokens(), r.completionTokens(), r.metadata()));
        }
        assertThat(recorder.stats().queueDepth()).as("at most 100 kB of bodies held in memory").isLessThanOrEqualTo(3);
        assertThat(spooledByReason.get("queue-full").get()).isPositive();
        failing.down(false);

        assertThat(recorder.awaitWritten(Duration.ofSeconds(30))).isTrue();
        assertThat(historyRows()).isEqualTo(n);
        assertThat(query("SELECT MAX(COALESCE(LENGTH(request_text), LENGTH(request_body))) FROM history")).isEqualTo(body.length());
    }

    @Test
    void a_record_submitted_twice_is_stored_and_counted_once() throws Exception {
        Recorder recorder = start(config());
        recorder.submit(record("chatcmpl-1"));
        assertThat(recorder.awaitWritten(Duration.ofSeconds(10))).isTrue();
        recorder.submit(record("chatcmpl-1"));

        assertThat(recorder.awaitWritten(Duration.ofSeconds(10))).isTrue();
        assertThat(historyRows()).isEqualTo(1);
        assertThat(usageRequests()).isEqualTo(1);
    }
}
