package io.kiban.store.recorder;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import tools.jackson.databind.json.JsonMapper;

/**
 * An append-only, fsync'd log of batches on local disk, for the Recorder to park batches while the database is
 * unavailable and to replay them in order later.
 *
 * <h2>Format</h2>
 * Segment files {@code spool-<sequence>.log}, one batch per line: {@code <crc32c as 8 hex> <json>\n}. JSON never
 * contains a raw newline, so a line is a record. A crash can leave only the last line of the last segment torn
 * (no newline, or a checksum that does not match); readers skip such a line. A bad line elsewhere (disk
 * corruption) is skipped and counted in {@link #corruptLines()}, and the other batches are still read.
 *
 * <h2>Segments</h2>
 * Appends go to the active segment, created on first use after {@link #seal()} and rotated at {@code
 * maxSegmentBytes}. Replay reads only sealed segments, oldest first, and deletes a segment once every batch in it
 * is committed; a crash during replay replays the segment again, and the batch ids make that harmless. A new
 * segment's directory entry is fsync'd too, so the file itself survives a power cut.
 *
 * <p>All methods are synchronized: appends come from the writer thread and from request threads whose entries did
 * not fit the queue.
 */
final class Spool implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(Spool.class.getName());
    private static final String PREFIX = "spool-";
    private static final String SUFFIX = ".log";

    private final Path directory;
    private final long maxSegmentBytes;
    private final JsonMapper mapper;
    private final TreeMap<Long, long[]> segments = new TreeMap<>(); // sequence -> {batches, entries}
    private FileChannel active;
    private long activeSequence = -1;
    private long corruptLines;

    Spool(Path directory, long maxSegmentBytes, JsonMapper mapper) {
        this.directory = directory;
        this.maxSegmentBytes = maxSegmentBytes;
        this.mapper = mapper;
        try {
            Files.createDirectories(directory);
            try (Stream<Path> files = Files.list(directory)) {
                for (Path file : files.toList()) {
                    Long sequence = sequenceOf(file);
                    if (sequence != null) {
                        long[] counts = new long[2];
                        read(file, batch -> {
                            counts[0]++;
                            counts[1] += batch.entries().size();
                        });
                        segments.put(sequence, counts);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the spool in " + directory, e);
        }
    }

    /** Appends a batch and forces it to disk before returning. */
    synchronized void append(SpooledBatch batch) throws IOException {
        byte[] json = mapper.writeValueAsBytes(batch);
        var crc = new CRC32C();
        crc.update(json);
        byte[] head = (HexFormat.of().toHexDigits((int) crc.getValue()) + " ").getBytes(StandardCharsets.US_ASCII);
        ByteBuffer line = ByteBuffer.allocate(head.length + json.length + 1).put(head).put(json).put((byte) '\n');
        line.flip();
        if (active == null || active.size() >= maxSegmentBytes) {
            openNewSegment();
        }
        while (line.hasRemaining()) {
            active.write(line);
        }
        active.force(false);
        long[] counts = segments.get(activeSequence);
        counts[0]++;
        counts[1] += batch.entries().size();
    }

    /**
     * Appends a batch the database refused as invalid to {@code rejected.log} (same line format, never replayed),
     * so that nothing is silently dropped and an operator can inspect or repair it.
     */
    synchronized void reject(SpooledBatch batch) throws IOException {
        byte[] json = mapper.writeValueAsBytes(batch);
        var crc = new CRC32C();
        crc.update(json);
        byte[] head = (HexFormat.of().toHexDigits((int) crc.getValue()) + " ").getBytes(StandardCharsets.US_ASCII);
        try (FileChannel out = FileChannel.open(directory.resolve("rejected.log"), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ByteBuffer line = ByteBuffer.allocate(head.length + json.length + 1).put(head).put(json).put((byte) '\n');
            line.flip();
            while (line.hasRemaining()) {
                out.write(line);
            }
            out.force(false);
        }
    }

    /** Ends the active segment, so everything spooled so far is in sealed segments. */
    synchronized void seal() throws IOException {
        if (active != null) {
            active.close();
            active = null;
        }
    }

    /** Sealed segments, oldest first. */
    synchronized List<Long> sealedSegments() {
        var sealed = new ArrayList<Long>(segments.keySet());
        if (active != null) {
            sealed.remove(Long.valueOf(activeSequence));
        }
        return sealed;
    }

    /** Streams a segment's batches to the consumer, skipping torn or corrupt lines. */
    void replay(long sequence, Consumer<SpooledBatch> consumer) throws IOException {
        read(segmentPath(sequence), consumer);
    }

    /** Deletes a fully replayed segment. */
    synchronized void delete(long sequence) throws IOException {
        Files.deleteIfExists(segmentPath(sequence));
        segments.remove(sequence);
        syncDirectory();
    }

    synchronized long pendingBatches() {
        return segments.values().stream().mapToLong(c -> c[0]).sum();
    }

    synchronized long pendingEntries() {
        return segments.values().stream().mapToLong(c -> c[1]).sum();
    }

    synchronized boolean isEmpty() {
        return pendingBatches() == 0;
    }

    synchronized long corruptLines() {
        return corruptLines;
    }

    @Override
    public synchronized void close() throws IOException {
        seal();
    }

    private void openNewSegment() throws IOException {
        seal();
        activeSequence = Math.max(activeSequence, segments.isEmpty() ? 0 : segments.lastKey()) + 1;
        Path path = segmentPath(activeSequence);
        active = FileChannel.open(path, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND);
        segments.put(activeSequence, new long[2]);
        syncDirectory();
    }

    private void read(Path file, Consumer<SpooledBatch> consumer) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            var line = new ByteArrayOutputStream();
            long lineNumber = 0;
            int b;
            while (true) {
                line.reset();
                while ((b = in.read()) != -1 && b != '\n') {
                    line.write(b);
                }
                if (b == -1) {
                    if (line.size() > 0) {
                        LOG.log(System.Logger.Level.WARNING, "ignoring a torn last line in " + file
                                + " (a crash during an append; that batch was never acknowledged as spooled)");
                    }
                    return;
                }
                lineNumber++;
                SpooledBatch batch = decode(line.toByteArray());
                if (batch == null) {
                    synchronized (this) {
                        corruptLines++;
                    }
                    LOG.log(System.Logger.Level.ERROR, "skipping corrupt line " + lineNumber + " in " + file);
                    continue;
                }
                consumer.accept(batch);
            }
        }
    }

    private SpooledBatch decode(byte[] line) {
        if (line.length < 10 || line[8] != ' ') {
            return null;
        }
        try {
            int expected = HexFormat.fromHexDigits(new String(line, 0, 8, StandardCharsets.US_ASCII));
            var crc = new CRC32C();
            crc.update(line, 9, line.length - 9);
            if ((int) crc.getValue() != expected) {
                return null;
            }
            return mapper.readValue(line, 9, line.length - 9, SpooledBatch.class);
        } catch (RuntimeException e) {
            return null;
        }
    }

    private Path segmentPath(long sequence) {
        return directory.resolve(PREFIX + String.format("%020d", sequence) + SUFFIX);
    }

    private static Long sequenceOf(Path file) {
        String name = file.getFileName().toString();
        if (!name.startsWith(PREFIX) || !name.endsWith(SUFFIX)) {
            return null;
        }
        try {
            return Long.parseLong(name.substring(PREFIX.length(), name.length() - SUFFIX.length()));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private void syncDirectory() {
        try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException e) {
            // Some file systems cannot fsync a directory; the file contents are still forced.
        }
    }
}
