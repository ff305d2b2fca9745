package io.kiban.bench.sim;

import io.kiban.bench.http.HttpTransport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/**
 * An OpenAI-compatible <b>simulator</b> of a model replica, for gateway-overhead, scaling and failover tests. It is not
 * a model: it answers deterministic filler words with configurable timing (time to first token, inter-token
 * latency, prefill cost per uncached prompt token), per-replica concurrency with a bounded queue, a simulated prefix
 * cache, readiness, and fault injection. Start it in-process:
 *
 * <pre>{@code
 * try (Simulator sim = Simulator.builder().ttft(Duration.ofMillis(50)).itl(Duration.ofMillis(10)).start()) {
 *     URI base = URI.create(sim.baseUrl()); // http://127.0.0.1:<port>/v1
 *     ...
 * }
 * }</pre>
 *
 * <p>Serves {@code POST /v1/chat/completions}, {@code /v1/completions}, {@code /v1/embeddings}, {@code GET /v1/models},
 * {@code GET /health} and {@code /admin/*} (see {@link SimAdmin}). Tokens are counted with {@link SimTokenizer};
 * timing is described on {@link SimKnobs}; per-request overrides on {@link SimOverrides}.
 */
public final class Simulator implements AutoCloseable {
    private final SimEngine engine;
    private final HttpTransport transport;
    private final String host;

    private Simulator(SimEngine engine, HttpTransport transport, String host) {
        this.engine = engine;
        this.transport = transport;
        this.host = host;
    }

    public static Builder builder() {
        return new Builder();
    }

    public int port() {
        return transport.port();
    }

    /** The OpenAI base URL, {@code http://host:port/v1}. */
    public String baseUrl() {
        return "http://" + host + ":" + port() + "/v1";
    }

    public String replicaId() {
        return engine.replicaId();
    }

    public SimKnobs knobs() {
        return engine.knobs();
    }

    /** Changes knobs while running; requests already in progress keep the knobs they started with. */
    public void updateKnobs(UnaryOperator<SimKnobs> change) {
        engine.updateKnobs(change);
    }

    public boolean ready() {
        return engine.ready();
    }

    /** Turns readiness on or off at once (cancels a pending {@code readyAfter}). */
    public void setReady(boolean ready) {
        engine.setReady(ready);
    }

    public SimStats stats() {
        return engine.stats();
    }

    /** Zeroes the counters and empties the prefix cache. */
    public void reset() {
        engine.resetStats();
    }

    @Override
    public void close() {
        transport.close();
    }

    /** Settings of a simulator; every setter has a default that serves an instant 16-token answer. */
    public static final class Builder {
        private SimKnobs knobs = SimKnobs.DEFAULTS;
        private String host = "127.0.0.1";
        private int port;
        private int maxConcurrency;
        private int maxQueue = 1024;
        private int cacheBlocks;
        private int blockTokens = 16;
        private List<String> models = List.of("sim");
        private boolean strictModels;
        private String replicaId;
        private long seed;
        private Duration readyAfter = Duration.ZERO;
        private boolean ready = true;
        private HttpTransport.Kind transport = HttpTransport.Kind.BLOCKING;

        private Builder() {}

        public Builder knobs(SimKnobs knobs) {
            this.knobs = knobs;
            return this;
        }

        public Builder ttft(Duration v) {
            knobs = knobs.withTtft(v);
            return this;
        }

        public Builder itl(Duration v) {
            knobs = knobs.withItl(v);
            return this;
        }

        public Builder prefillPerToken(Duration v) {
            knobs = knobs.withPrefillPerToken(v);
            return this;
        }

        public Builder tokens(int v) {
            knobs = knobs.withTokens(v);
            return this;
        }

        public Builder chunkBytes(int v) {
            knobs = knobs.withChunkBytes(v);
            return this;
        }

        public Builder errorStatus(int v) {
            knobs = knobs.withErrorStatus(v);
            return this;
        }

        public Builder errorRate(double v) {
            knobs = knobs.withErrorRate(v);
            return this;
        }

        public Builder errorEvery(int v) {
            knobs = knobs.withErrorEvery(v);
            return this;
        }

        public Builder delay(Duration v) {
            knobs = knobs.withDelay(v);
            return this;
        }

        public Builder dropAfter(int chunks) {
            knobs = knobs.withDropAfter(chunks);
            return this;
        }

        public Builder embeddingDim(int v) {
            knobs = knobs.withEmbeddingDim(v);
            return this;
        }

        /** Address to bind; 127.0.0.1 by default. */
        public Builder host(String v) {
            host = v;
            return this;
        }

        /** Port to bind; 0 (the default) picks a free one, see {@link Simulator#port()}. */
        public Builder port(int v) {
            port = v;
            return this;
        }

        /** Requests generating at once; 0 (the default) is unlimited. */
        public Builder maxConcurrency(int v) {
            maxConcurrency = v;
            return this;
        }

        /** Requests waiting for a slot beyond {@code maxConcurrency} before 429; 1024 by default. */
        public Builder maxQueue(int v) {
            maxQueue = v;
            return this;
        }

        /** Enables the simulated prefix cache: an LRU of {@code capacityBlocks} blocks of {@code blockTokens}. */
        public Builder prefixCache(int capacityBlocks, int blockTokens) {
            this.cacheBlocks = capacityBlocks;
            this.blockTokens = blockTokens;
            return this;
        }

        /** Model ids listed by {@code /v1/models}; {@code sim} by default. */
        public Builder models(String... ids) {
            models = List.of(ids);
            return this;
        }

        /** Answer 404 for a model not in {@link #models}; by default any model name is served. */
        public Builder strictModels(boolean v) {
            strictModels = v;
            return this;
        }

        /** The {@code x-sim-replica} response header; {@code sim-<port>} by default. */
        public Builder replicaId(String v) {
            replicaId = v;
            return this;
        }

        /** Seed of the error-rate draws and of the output words. */
        public Builder seed(long v) {
            seed = v;
            return this;
        }

        /** Not ready (503) until this long after start. */
        public Builder readyAfter(Duration v) {
            readyAfter = v;
            return this;
        }

        /** Start not ready, until {@link Simulator#setReady} or {@code POST /admin/ready?value=true}. */
        public Builder ready(boolean v) {
            ready = v;
            return this;
        }

        public Builder transport(HttpTransport.Kind v) {
            transport = v;
            return this;
        }

        public Simulator start() {
            if (maxConcurrency < 0 || maxQueue < 0) {
                throw new IllegalArgumentException("maxConcurrency and maxQueue must be >= 0");
            }
            if (models.isEmpty()) {
                throw new IllegalArgumentException("at least one model id is needed");
            }
            PrefixCache cache = cacheBlocks > 0 ? new PrefixCache(cacheBlocks, blockTokens) : null;
            // The replica id names the port, which is known only after binding: bind first, then name.
            AtomicReference<SimEngine> holder = new AtomicReference<>();
            HttpTransport t;
            try {
                t = HttpTransport.start(transport, new InetSocketAddress(host, port), ex -> {
                    SimEngine e = holder.get();
                    if (e == null) {
                        ex.out().ascii("{\"status\":\"starting\"}");
                        ex.send(503, SimEngine.JSON);
                    } else {
                        e.handle(ex);
                    }
                });
            } catch (IOException e) {
                throw new UncheckedIOException("cannot bind the simulator to " + host + ":" + port, e);
            }
            SimEngine engine = new SimEngine(knobs, maxConcurrency, maxQueue, cache, new ArrayList<>(models),
                    strictModels, replicaId != null ? replicaId : "sim-" + t.port(), seed, readyAfter);
            if (!ready) {
                engine.setReady(false);
            }
            holder.set(engine);
            return new Simulator(engine, t, host.contains(":") ? "[" + host + "]" : host);
        }
    }
}
