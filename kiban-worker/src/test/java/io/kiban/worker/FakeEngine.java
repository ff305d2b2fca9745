package io.kiban.worker;

import io.kiban.worker.engine.Engine;
import io.kiban.worker.engine.EngineInfo;
import io.kiban.worker.engine.Generation;
import io.kiban.worker.engine.GenerationSettings;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An honest fake engine: one token per word of "tok", a fixed delay per token, and a record of cancellations. It
 * lets tests check the worker's request handling (cancel on disconnect, queueing) at a controlled speed.
 */
final class FakeEngine implements Engine {
    final AtomicInteger cancelled = new AtomicInteger();
    final AtomicInteger finished = new AtomicInteger();
    private final long tokenMillis;

    FakeEngine(long tokenMillis) {
        this.tokenMillis = tokenMillis;
    }

    @Override
    public EngineInfo info() {
        return new EngineInfo("fake", 100_000, false, 0, "plain", null);
    }

    @Override
    public String renderChat(List<ChatTurn> messages) {
        return messages.getLast().content();
    }

    @Override
    public int[] tokenizePrompt(String text) {
        return new int[text.split("\\s+").length];
    }

    @Override
    public Generation start(int[] promptTokens, GenerationSettings s) {
        return new Generation() {
            int n;
            boolean done;

            @Override
            public String next() {
                if (done || n >= s.maxTokens()) {
                    if (!done) {
                        finished.incrementAndGet();
                    }
                    done = true;
                    return null;
                }
                try {
                    Thread.sleep(tokenMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                n++;
                return " tok";
            }

            @Override
            public int tokens() {
                return n;
            }

            @Override
            public void cancel() {
                done = true;
                cancelled.incrementAndGet();
            }
        };
    }

    @Override
    public float[] embed(String text) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void close() {}
}
