package io.kiban.store.recorder;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.store.Database;
import io.kiban.store.testing.TestDatabase;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a writing process with SIGKILL (the gateway crashing, not the database) and checks that every record it
 * acknowledged as written is there exactly once, and that no batch was half applied: usage always equals the
 * history it was derived from. Run on H2 (a file database, {@code WRITE_DELAY=0}) and on PostgreSQL.
 */
public abstract class RecorderCrashContract {
    @TempDir
    Path spoolDir;

    /** A database the child process can reach by URL; the test closes it. */
    protected abstract TestDatabase newDatabase();

    @Test
    void records_acknowledged_before_a_kill_minus_nine_survive_exactly_once() throws Exception {
        try (TestDatabase testDb = newDatabase()) {
            testDb.database(); // migrate
            long acknowledged = 0;
            for (int round = 0; round < 2; round++) {
                // An embedded H2 file allows one process at a time: the parent lets go while the child runs.
                testDb.closePools();
                // Each round is a new process on the same database and restarts at id 0: ids collide on purpose.
                long roundAcknowledged = runAndKill(testDb.url(), 1500);
                acknowledged = Math.max(acknowledged, roundAcknowledged);
                Database db = testDb.database();
                try (Recorder recovering = Recorder.start(db, RecorderConfig.defaults(spoolDir), Clock.systemUTC(),
                        RecorderListener.NONE)) {
                    assertThat(recovering.awaitWritten(Duration.ofSeconds(30))).isTrue();
                }
                long rows = count(db, "SELECT COUNT(*) FROM history");
                long lostAcknowledged = acknowledged - count(db, "SELECT COUNT(*) FROM history "
                        + "WHERE CAST(SUBSTRING(id, 7) AS INTEGER) < " + acknowledged);
                System.out.printf("[kiban-store] %s: round %d killed after %d acknowledged; %d rows, "
                        + "%d acknowledged lost%n", getClass().getSimpleName(), round, roundAcknowledged, rows,
                        lostAcknowledged);
                assertThat(lostAcknowledged).isZero();
                assertThat(count(db, "SELECT COUNT(DISTINCT id) FROM history")).isEqualTo(rows);
                assertThat(count(db, "SELECT COALESCE(SUM(requests), 0) FROM usage_hourly"))
                        .as("usage committed with its history, never half a batch").isEqualTo(rows);
            }
        }
    }

    /**
     * Starts the child and, once it has acknowledged its first round (JVM start-up takes seconds on a loaded
     * machine), kills it at a random moment within {@code runMillis}; the kill is timed independently of the
     * child's output, so it lands mid-batch as often as between batches. Returns the last acknowledged count.
     */
    private long runAndKill(String url, long runMillis) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        Process child = new ProcessBuilder(List.of(java, "-cp", System.getProperty("java.class.path"),
                "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"), CrashingWriterMain.class.getName(), url,
                spoolDir.toString()))
                .redirectErrorStream(true).start();
        var watchdog = Thread.ofPlatform().daemon().start(() -> sleepThenKill(child, 60_000)); // never hang
        Thread killer = null;
        long acknowledged = 0;
        try (var out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = out.readLine()) != null) {
                if (line.startsWith("ack ")) {
                    acknowledged = Long.parseLong(line.substring(4));
                    if (killer == null) {
                        long killAfter = ThreadLocalRandom.current().nextLong(100, runMillis);
                        killer = Thread.ofPlatform().daemon().start(() -> sleepThenKill(child, killAfter));
                    }
                } else if (!line.isBlank()) {
                    System.out.println("[child] " + line);
                }
            }
        }
        child.waitFor();
        watchdog.interrupt();
        assertThat(acknowledged).as("the child acknowledged something before it was killed").isPositive();
        return acknowledged;
    }

    private static void sleepThenKill(Process child, long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            return;
        }
        // SIGKILL: no shutdown hooks, no close. Through the handle, so our end of its output stays open and the
        // reader sees end-of-file instead of a closed stream.
        child.toHandle().destroyForcibly();
    }

    private static long count(Database db, String sql) {
        return db.withConnection(c -> {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }
}
