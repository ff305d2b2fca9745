package io.kiban.store.recorder;

import static io.kiban.store.testing.Fixtures.T0;
import static io.kiban.store.testing.Fixtures.history;
import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.store.audit.AuditEvent;
import io.kiban.store.history.HistoryKind;
import io.kiban.store.history.HistoryRecord;
import io.kiban.store.history.HistoryStatus;
import io.kiban.store.usage.UsageIncrement;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.json.JsonMapper;

class SpoolTest {
    private static final JsonMapper MAPPER = JsonMapper.builder().build();

    @TempDir
    Path dir;

    private Spool open() {
        return new Spool(dir, 1 << 20, MAPPER);
    }

    private static SpooledBatch batch(String id, int n) {
        var entries = new ArrayList<SpooledEntry>();
        for (int i = 0; i < n; i++) {
            entries.add(SpooledEntry.of(history(id + "-" + i, "alice", T0.plusSeconds(i))));
        }
        return new SpooledBatch(id, entries);
    }

    private static List<SpooledBatch> readAll(Spool spool) throws IOException {
        var batches = new ArrayList<SpooledBatch>();
        spool.seal();
        for (long segment : spool.sealedSegments()) {
            spool.replay(segment, batches::add);
        }
        return batches;
    }

    private Path onlySegment() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().startsWith("spool-")).findFirst().orElseThrow();
        }
    }

    @Test
    void round_trips_every_kind_of_entry_exactly() throws IOException {
        var record = new HistoryRecord("chatcmpl-1", HistoryKind.CHAT, "alice", "key_1", "p1", "m", "::1",
                HistoryStatus.INCOMPLETE, 200, "{\"a\":\"line1\\nline2 ✓ 日本語\"}", null, T0.plusNanos(123_000),
                5L, 10, 3, 4, Map.of("k", "v"));
        var usage = new UsageIncrement(T0, "alice", null, null, "m", 1, 0, 5, 6);
        var audit = new AuditEvent("ev1", T0, "admin", "key.revoked", "key", "key_1", null, Map.of("why", "leak"));
        var batch = new SpooledBatch("b1", List.of(SpooledEntry.of(record), SpooledEntry.of(usage),
                SpooledEntry.of(audit)));

        try (Spool spool = open()) {
            spool.append(batch);
            assertThat(readAll(spool)).containsExactly(batch);
        }
    }

    @Test
    void a_torn_last_line_from_a_crash_is_ignored_and_the_rest_is_read() throws IOException {
        try (Spool spool = open()) {
            spool.append(batch("b1", 2));
            spool.append(batch("b2", 2));
            spool.append(batch("b3", 2));
        }
        Path segment = onlySegment();
        long size = Files.size(segment);
        try (var file = new RandomAccessFile(segment.toFile(), "rw")) {
            file.setLength(size - 40); // the crash cut the last append short
        }

        try (Spool reopened = open()) {
            assertThat(readAll(reopened)).extracting(SpooledBatch::id).containsExactly("b1", "b2");
            assertThat(reopened.pendingBatches()).isEqualTo(2);
            assertThat(reopened.corruptLines()).isZero();
        }
    }

    @Test
    void a_corrupt_line_in_the_middle_is_skipped_and_counted() throws IOException {
        try (Spool spool = open()) {
            spool.append(batch("b1", 1));
            spool.append(batch("b2", 1));
            spool.append(batch("b3", 1));
        }
        Path segment = onlySegment();
        List<String> lines = Files.readAllLines(segment);
        lines.set(1, lines.get(1).replace("b2-0", "b2-X")); // a flipped byte: the checksum no longer matches
        Files.write(segment, lines);

        try (Spool reopened = open()) {
            assertThat(readAll(reopened)).extracting(SpooledBatch::id).containsExactly("b1", "b3");
            assertThat(reopened.corruptLines()).isPositive();
        }
    }

    @Test
    void appends_after_a_restart_go_to_a_new_segment_never_behind_a_torn_line() throws IOException {
        try (Spool spool = open()) {
            spool.append(batch("b1", 1));
        }
        Path first = onlySegment();
        Files.write(first, "0000abcd {\"id\":\"torn".getBytes(), java.nio.file.StandardOpenOption.APPEND);

        try (Spool reopened = open()) {
            reopened.append(batch("b2", 1));
            assertThat(readAll(reopened)).extracting(SpooledBatch::id).containsExactly("b1", "b2");
            assertThat(reopened.sealedSegments()).hasSize(2);
        }
    }

    @Test
    void segments_rotate_replay_oldest_first_and_are_deleted_when_done() throws IOException {
        try (Spool spool = new Spool(dir, 2_000, MAPPER)) {
            for (int i = 0; i < 10; i++) {
                spool.append(batch(String.format("b%02d", i), 3));
            }
            assertThat(spool.pendingEntries()).isEqualTo(30);
            spool.seal();
            List<Long> segments = spool.sealedSegments();
            assertThat(segments.size()).isGreaterThan(1);

            assertThat(readAll(spool)).extracting(SpooledBatch::id)
                    .containsExactly("b00", "b01", "b02", "b03", "b04", "b05", "b06", "b07", "b08", "b09");
            for (long segment : segments) {
                spool.delete(segment);
            }
            assertThat(spool.isEmpty()).isTrue();
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.toList()).isEmpty();
        }
    }

    @Test
    void rejected_batches_are_kept_apart_and_never_replayed() throws IOException {
        try (Spool spool = open()) {
            spool.reject(batch("bad", 1));
            assertThat(spool.isEmpty()).isTrue();
        }
        assertThat(Files.readString(dir.resolve("rejected.log"))).contains("bad-0");
        try (Spool reopened = open()) {
            assertThat(reopened.isEmpty()).isTrue();
        }
    }
}
