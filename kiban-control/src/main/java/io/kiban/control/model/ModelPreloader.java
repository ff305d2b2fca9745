package io.kiban.control.model;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.LongSupplier;

/**
 * Reads model files into the operating system's page cache ahead of need, so that a replica started from zero maps
 * its weights from memory instead of disk (llama.cpp mmaps the GGUF file).
 *
 * <p>One file at a time, on one virtual thread, read sequentially in 4 MiB chunks into a reused direct buffer (so the
 * JVM keeps nothing): the kernel's read-ahead makes this the fastest way to pull a file from disk, and nothing
 * competes with a replica that is loading. A file larger than half the memory available now is skipped: reading it
 * would only evict other pages, possibly its own first chunks. A file already queued is not queued twice.
 */
public final class ModelPreloader implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(ModelPreloader.class.getName());
    private static final int CHUNK = 4 << 20;

    private final ExecutorService reader = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("kiban-preload").factory());
    private final Set<Path> queued = ConcurrentHashMap.newKeySet();
    private final LongSupplier availableMemory;

    public ModelPreloader() {
        this(ModelPreloader::memAvailable);
    }

    /** @param availableMemory bytes of memory available now, or -1 when unknown */
    public ModelPreloader(LongSupplier availableMemory) {
        this.availableMemory = availableMemory;
    }

    /** Queues {@code file} to be read; returns its future (the bytes read, or -1 when skipped). */
    public Future<Long> preload(Path file) {
        if (!queued.add(file)) {
            return java.util.concurrent.CompletableFuture.completedFuture(0L);
        }
        return reader.submit(() -> {
            try {
                return read(file);
            } finally {
                queued.remove(file);
            }
        });
    }

    private long read(Path file) {
        long t0 = System.nanoTime();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            long avail = availableMemory.getAsLong();
            if (avail >= 0 && size > avail / 2) {
                LOG.log(System.Logger.Level.INFO, "not preloading {0}: {1} MiB is more than half the {2} MiB available",
                        file, size >> 20, avail >> 20);
                return -1;
            }
            ByteBuffer buf = ByteBuffer.allocateDirect(CHUNK);
            long total = 0;
            int n;
            while ((n = ch.read(buf)) > 0) {
                total += n;
                buf.clear();
            }
            LOG.log(System.Logger.Level.INFO, "preloaded {0} ({1} MiB) into the page cache in {2} ms", file, total >> 20,
                    (System.nanoTime() - t0) / 1_000_000);
            return total;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "could not preload {0}: {1}", file, e.getMessage());
            return -1;
        }
    }

    /** MemAvailable from {@code /proc/meminfo}, or -1. */
    static long memAvailable() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemAvailable:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // Not Linux: assume enough.
        }
        return -1;
    }

    @Override
    public void close() {
        reader.shutdownNow();
    }
}
