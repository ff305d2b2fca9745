package io.kiban.store.recorder;

import io.kiban.store.Database;
import io.kiban.store.DatabaseConfig;
import io.kiban.store.history.HistoryKind;
import io.kiban.store.history.HistoryRecord;
import io.kiban.store.history.HistoryStatus;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * A process for {@link RecorderCrashContract} to kill: submits records in rounds of 50 from the main thread and,
 * after each round is written, prints {@code ack <n>} meaning "records 0..n-1 are durable". Runs until killed.
 *
 * <p>Arguments: JDBC URL, spool directory.
 */
public final class CrashingWriterMain {
    private CrashingWriterMain() {}

    public static void main(String[] args) throws Exception {
        Database db = Database.open(DatabaseConfig.of(args[0]).withMaxPoolSize(2));
        Recorder recorder = Recorder.start(db, RecorderConfig.defaults(Path.of(args[1])), Clock.systemUTC(),
                RecorderListener.NONE);
        Instant t0 = Instant.parse("2026-11-01T00:00:00Z");
        for (int n = 0; ; ) {
            for (int i = 0; i < 50; i++, n++) {
                recorder.submit(new HistoryRecord("crash-" + n, HistoryKind.CHAT, "alice", "key_1", null, "m",
                        null, HistoryStatus.COMPLETED, 200, "{\"n\":" + n + "}", "{}", t0.plusMillis(n), null, 1,
                        3, 4, Map.of()));
            }
            if (!recorder.awaitWritten(Duration.ofSeconds(30))) {
                System.out.println("stuck");
                return;
            }
            System.out.println("ack " + n);
            System.out.flush();
        }
    }
}
