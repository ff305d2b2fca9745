package io.kiban.bench.sim;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A simulated KV prefix cache: an LRU set of prompt-block hashes with a capacity in blocks, like a replica whose
 * KV cache keeps the most recently used prefix blocks.
 *
 * <p>{@link #admit} looks up a prompt's chained block hashes (from {@link SimTokenizer#blockHashes}) and returns how
 * many leading blocks were already cached; it then marks all of the prompt's blocks as most recently used, inserting
 * the missing ones and evicting the least recently used beyond capacity. Only a leading run counts as a hit: as in a
 * real prefix cache, block {@code i} is reusable only if every block before it is too (the chained hashes make a
 * later block match only when the whole prefix matches anyway).
 *
 * <p>Concurrency: one lock around the map; the work under it is a few hash-map operations per block.
 */
public final class PrefixCache {
    private final int capacityBlocks;
    private final int blockTokens;
    private final ReentrantLock lock = new ReentrantLock();
    private final LinkedHashMap<Long, Boolean> lru;

    public PrefixCache(int capacityBlocks, int blockTokens) {
        if (capacityBlocks < 1 || blockTokens < 1) {
            throw new IllegalArgumentException("capacity and block size must be positive");
        }
        this.capacityBlocks = capacityBlocks;
        this.blockTokens = blockTokens;
        this.lru = new LinkedHashMap<>(Math.min(capacityBlocks, 1 << 16) * 2, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Long, Boolean> eldest) {
                return size() > PrefixCache.this.capacityBlocks;
            }
        };
    }

    public int blockTokens() {
        return blockTokens;
    }

    public int capacityBlocks() {
        return capacityBlocks;
    }

    /** Returns the number of leading blocks of {@code hashes} that were cached, then caches all of them. */
    public int admit(long[] hashes) {
        lock.lock();
        try {
            int hits = 0;
            boolean leading = true;
            for (long h : hashes) {
                boolean present = lru.get(h) != null; // get() also moves it to most recently used
                if (present && leading) {
                    hits++;
                } else {
                    leading = false;
                    if (!present) {
                        lru.put(h, Boolean.TRUE);
                    }
                }
            }
            return hits;
        } finally {
            lock.unlock();
        }
    }

    public int size() {
        lock.lock();
        try {
            return lru.size();
        } finally {
            lock.unlock();
        }
    }

    public void clear() {
        lock.lock();
        try {
            lru.clear();
        } finally {
            lock.unlock();
        }
    }
}
