package io.kiban.gateway.jmh;

import io.kiban.api.Json;
import io.kiban.api.Usage;
import io.kiban.api.chat.ChatCompletion;
import io.kiban.api.chat.ChatCompletionChunk;
import io.kiban.gateway.spi.Endpoint;
import io.kiban.gateway.spi.Route;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Inputs for the gateway's JMH benchmarks, shaped like real traffic: request bodies as OpenAI SDKs send them (110 B,
 * a 4 KB multi-turn chat, a 48 KB prompt of about 12k tokens) and server-sent events byte for byte as Kiban's worker
 * writes them ({@code ChatShape} through {@link Json#write}: 267 bytes for a one-word token), or spaced the way
 * Python's {@code json.dumps} writes them (vLLM and many OpenAI-compatible servers: 288 bytes), which takes the
 * parser paths.
 */
public final class Samples {
    private Samples() {}

    public static final String MODEL = "qwen2.5-0.5b-instruct";
    public static final String RESPONSE_ID = "chatcmpl-Qm3xT8vK2pLw9ZrB4nY7cJ1d";
    public static final long CREATED = 1_795_320_665L;
    /** Content events in {@link #stream}: a 256-token answer, a typical chat reply. */
    public static final int TOKENS = 256;
    /** Events in {@link #stream}: the role chunk with the first token, 255 more tokens, finish, usage, [DONE]. */
    public static final int STREAM_EVENTS = TOKENS + 3;

    /** A request body by name: {@code chat-110B}, {@code chat-4KB} or {@code prompt-48KB}; all ask to stream. */
    public static byte[] body(String name) {
        return switch (name) {
            case "chat-110B" -> utf8("{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":"
                    + "\"A haiku about the sea\"}],\"stream\":true}");
            case "chat-4KB" -> multiTurn(4096);
            case "prompt-48KB" -> longPrompt(48 * 1024);
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** {@link #body} without {@code "stream":true}: what a non-streamed call sends. */
    public static byte[] wholeBody(String name) {
        String s = new String(body(name), StandardCharsets.UTF_8);
        if (!s.contains(",\"stream\":true")) {
            throw new IllegalStateException("no stream flag in " + name);
        }
        return utf8(s.replace(",\"stream\":true", ""));
    }

    private static byte[] multiTurn(int size) {
        StringBuilder sb = new StringBuilder(size + 256).append("{\"model\":\"").append(MODEL).append("\",\"messages\":[")
                .append("{\"role\":\"system\",\"content\":\"You are a concise assistant for a logistics company. "
                        + "Answer in plain English; use lists where they help.\"}");
        int turn = 0;
        while (sb.length() < size - 400) {
            boolean user = turn++ % 2 == 0;
            sb.append(",{\"role\":\"").append(user ? "user" : "assistant").append("\",\"content\":\"")
                    .append(user ? "How do I reroute shipment #" + (4400 + turn) + " when the depot in Rotterdam is closed? "
                            + "It has \\\"priority\\\" status."
                            : "1. Open the shipment.\\n2. Choose *Reroute* and pick the nearest open depot (Antwerp or "
                            + "Duisburg).\\n3. Keep the priority flag; the carrier is told automatically.")
                    .append("\"}");
        }
        sb.append(",{\"role\":\"user\",\"content\":\"");
        while (sb.length() < size - 60) {
            sb.append("And the customs forms? ");
        }
        sb.append("\"}],\"temperature\":0.7,\"max_tokens\":512,\"stream\":true}");
        return utf8(sb.toString());
    }

    private static byte[] longPrompt(int size) {
        String paragraph = "The harbour master kept a ledger of every ship that entered the port, with its cargo, its "
                + "crew and the tide it came in on. Over forty years the ledger grew into eleven volumes, and "
                + "historians now read it to date the rise and fall of the grain trade.\\n\\n";
        StringBuilder sb = new StringBuilder(size + 256).append("{\"model\":\"").append(MODEL)
                .append("\",\"messages\":[{\"role\":\"user\",\"content\":\"Summarize the following text in five "
                        + "sentences.\\n\\n");
        while (sb.length() < size - 80) {
            sb.append(paragraph);
        }
        sb.append("\"}],\"max_tokens\":256,\"stream\":true}");
        return utf8(sb.toString());
    }

    /** The JSON of one chunk, compact as the worker writes it or spaced as Python writes it. */
    private static String chunk(List<ChatCompletionChunk.Choice> choices, Usage usage, boolean spaced) {
        String json = new String(Json.write(new ChatCompletionChunk(RESPONSE_ID, CREATED, MODEL, choices, usage)),
                StandardCharsets.UTF_8);
        return spaced ? json.replace("\":", "\": ").replace(",\"", ", \"") : json;
    }

    /** One mid-stream content event ({@code data: {...}\n\n}), as the client is sent it. */
    public static byte[] contentEvent(boolean spaced) {
        return event(chunk(List.of(new ChatCompletionChunk.Choice(0, new ChatCompletionChunk.Delta(null, " harbour"), null)),
                null, spaced));
    }

    /** A whole streamed answer of {@link #TOKENS} tokens, one event per element, in the worker's order. */
    public static List<byte[]> stream(boolean spaced) {
        return stream(spaced, TOKENS);
    }

    /** A streamed answer of {@code tokens} tokens: {@code tokens + 3} events (finish, usage and [DONE] after them). */
    public static List<byte[]> stream(boolean spaced, int tokens) {
        String[] words = ("The harbour master kept a ledger of every ship that entered the port with its cargo its "
                + "crew and the tide it came in on").split(" ");
        List<byte[]> events = new ArrayList<>(tokens + 3);
        for (int i = 0; i < tokens; i++) {
            String piece = (i == 0 ? "" : " ") + words[i % words.length];
            var delta = new ChatCompletionChunk.Delta(i == 0 ? "assistant" : null, piece);
            events.add(event(chunk(List.of(new ChatCompletionChunk.Choice(0, delta, null)), null, spaced)));
        }
        events.add(event(chunk(List.of(new ChatCompletionChunk.Choice(0, new ChatCompletionChunk.Delta(null, null), "stop")),
                null, spaced)));
        events.add(event(chunk(List.of(), Usage.of(31, tokens), spaced)));
        events.add(utf8("data: [DONE]\n\n"));
        return List.copyOf(events);
    }

    /** A non-streamed chat completion with an answer of about {@code tokens} tokens, as the worker writes it. */
    public static byte[] completion(int tokens) {
        StringBuilder text = new StringBuilder();
        while (text.length() < tokens * 4) {
            text.append("The harbour master kept a ledger of every ship. ");
        }
        return Json.write(new ChatCompletion(RESPONSE_ID, CREATED, MODEL,
                List.of(new ChatCompletion.Choice(0, text.substring(0, tokens * 4), "stop")), Usage.of(31, tokens)));
    }

    /** The head of the worker's streamed response ({@code com.sun.net.httpserver}, chunked). */
    public static byte[] streamHead() {
        return latin1("HTTP/1.1 200 OK\r\nDate: Sun, 22 Nov 2026 04:51:05 GMT\r\nTransfer-encoding: chunked\r\n"
                + "Content-type: text/event-stream\r\nCache-control: no-cache\r\nX-kiban-queue-ms: 0\r\n"
                + "X-kiban-prompt-tokens: 31\r\n\r\n");
    }

    /** The head of the worker's whole response for a body of {@code length} bytes. */
    public static byte[] wholeHead(int length) {
        return latin1("HTTP/1.1 200 OK\r\nDate: Sun, 22 Nov 2026 04:51:05 GMT\r\nContent-type: application/json\r\n"
                + "X-kiban-queue-ms: 0\r\nX-kiban-ttft-ms: 0\r\nContent-length: " + length + "\r\n\r\n");
    }

    /** One HTTP/1.1 chunk carrying {@code data}, as the worker flushes one event. */
    public static byte[] httpChunk(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length + 12);
        out.writeBytes(latin1(Integer.toHexString(data.length) + "\r\n"));
        out.writeBytes(data);
        out.writeBytes(latin1("\r\n"));
        return out.toByteArray();
    }

    /** The last chunk of a chunked body. */
    public static byte[] lastChunk() {
        return latin1("0\r\n\r\n");
    }

    public static int totalBytes(List<byte[]> parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        return n;
    }

    private static byte[] event(String json) {
        return utf8("data: " + json + "\n\n");
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] latin1(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    /** A route whose one endpoint is always ready: the gateway's routing without a control plane. */
    public static Route alwaysReady(Endpoint endpoint) {
        return new Route() {
            @Override
            public String model() {
                return MODEL;
            }

            @Override
            public Endpoint acquire(byte[] prompt, Set<String> exclude, long deadlineNanos) {
                return endpoint;
            }

            @Override
            public Endpoint poll(byte[] prompt, Set<String> exclude, long waitNanos) {
                return endpoint;
            }

            @Override
            public void release(Endpoint e, boolean failed) {}
        };
    }

    /**
     * An input stream that returns one part per read, as a socket returns one event per read when tokens arrive
     * milliseconds apart (the common case, and the costliest: one scan, one write and one flush per event).
     * {@link #rewind} starts it over.
     */
    public static final class Parts extends InputStream {
        private final byte[][] parts;
        private int part;
        private int offset;

        public Parts(List<byte[]> parts) {
            this.parts = parts.toArray(new byte[0][]);
        }

        public Parts rewind() {
            part = 0;
            offset = 0;
            return this;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (part == parts.length) {
                return -1;
            }
            byte[] p = parts[part];
            int n = Math.min(len, p.length - offset);
            System.arraycopy(p, offset, b, off, n);
            offset += n;
            if (offset == p.length) {
                part++;
                offset = 0;
            }
            return n;
        }
    }

    /** An output stream that keeps nothing, like a client socket whose cost is not being measured. */
    public static final class Sink extends OutputStream {
        public long bytes;
        public int flushes;

        @Override
        public void write(int b) {
            bytes++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            bytes += len;
        }

        @Override
        public void flush() {
            flushes++;
        }
    }
}
