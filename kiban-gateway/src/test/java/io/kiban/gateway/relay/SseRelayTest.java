package io.kiban.gateway.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;

class SseRelayTest {

    /** Events of a realistic stream, each with its own separator, so the expected output can be built event by event. */
    private static final List<String> EVENTS = List.of(
            ": ping\n\n",
            "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n",
            "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\r\n\r\n",
            "id: 7\nevent: message\ndata: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo \\u00e9\\n\\n\"}}]}\n\n",
            "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"日本語\"},\"finish_reason\":\"stop\"}]}\n\n",
            "data: {\"id\":\"c1\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":3}}\n\n",
            "data: [DONE]\n\n");

    private static byte[] bytes(List<String> events) {
        return String.join("", events).getBytes(StandardCharsets.UTF_8);
    }

    /** An upstream that returns at most {@code size.applyAsInt(readNumber)} bytes per read. */
    private static final class SplitInput extends InputStream {
        private final byte[] data;
        private final IntUnaryOperator size;
        private int pos;
        int reads;

        SplitInput(byte[] data, IntUnaryOperator size) {
            this.data = data;
            this.size = size;
        }

        @Override
        public int read() {
            throw new UnsupportedOperationException("the relay reads in blocks");
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos == data.length) {
                return -1;
            }
            int n = Math.min(Math.min(len, Math.max(1, size.applyAsInt(reads++))), data.length - pos);
            System.arraycopy(data, pos, b, off, n);
            pos += n;
            return n;
        }
    }

    /** Records what the inspector saw, and withholds events that contain {@code withhold}. */
    private static final class Recorder implements SseInspector {
        final List<String> seen = new ArrayList<>();
        final String withhold;

        Recorder(String withhold) {
            this.withhold = withhold;
        }

        @Override
        public boolean onEvent(byte[] buf, int from, int to) {
            String event = new String(buf, from, to - from, StandardCharsets.UTF_8);
            seen.add(event);
            return withhold == null || !event.contains(withhold);
        }
    }

    @Test
    void relays_the_stream_byte_for_byte_when_the_upstream_delivers_one_byte_per_read() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Recorder recorder = new Recorder(null);

        new SseRelay().relay(new SplitInput(bytes(EVENTS), i -> 1), out, recorder);

        assertThat(out.toByteArray()).isEqualTo(bytes(EVENTS));
        assertThat(recorder.seen).containsExactlyElementsOf(EVENTS);
    }

    @Test
    void relays_the_stream_byte_for_byte_at_random_read_boundaries_and_withholds_exactly_the_refused_events() throws IOException {
        Random random = new Random(7);
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            many.addAll(EVENTS.subList(0, EVENTS.size() - 1));
        }
        many.add(EVENTS.getLast());
        List<String> kept = many.stream().filter(e -> !e.contains("\"usage\"")).toList();
        for (int round = 0; round < 300; round++) {
            int max = 1 + random.nextInt(round % 3 == 0 ? 8 : 400);
            ByteArrayOutputStream plain = new ByteArrayOutputStream();
            ByteArrayOutputStream stripped = new ByteArrayOutputStream();
            Recorder all = new Recorder(null);
            Recorder strip = new Recorder("\"usage\"");

            new SseRelay().relay(new SplitInput(bytes(many), i -> 1 + random.nextInt(max)), plain, all);
            new SseRelay().relay(new SplitInput(bytes(many), i -> 1 + random.nextInt(max)), stripped, strip);

            assertThat(plain.toByteArray()).as("round %d", round).isEqualTo(bytes(many));
            assertThat(stripped.toByteArray()).as("round %d", round).isEqualTo(bytes(kept));
            assertThat(all.seen).containsExactlyElementsOf(many);
            assertThat(strip.seen).containsExactlyElementsOf(many);
        }
    }

    @Test
    void every_complete_event_is_written_and_flushed_before_the_next_upstream_read() throws IOException {
        byte[] stream = bytes(EVENTS);
        int[] ends = new int[EVENTS.size()];
        for (int i = 0, end = 0; i < EVENTS.size(); i++) {
            end += EVENTS.get(i).getBytes(StandardCharsets.UTF_8).length;
            ends[i] = end;
        }
        List<Integer> flushedSizes = new ArrayList<>();
        ByteArrayOutputStream out = new ByteArrayOutputStream() {
            @Override
            public void flush() {
                flushedSizes.add(size());
            }
        };
        List<Integer> flushedBeforeRead = new ArrayList<>();
        // Read k delivers the rest of event k and the first 3 bytes of event k+1.
        InputStream upstream = new InputStream() {
            int pos;
            int k;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                flushedBeforeRead.add(flushedSizes.isEmpty() ? 0 : flushedSizes.getLast());
                if (pos == stream.length) {
                    return -1;
                }
                int to = k < ends.length - 1 ? ends[k] + 3 : stream.length;
                int n = Math.min(len, to - pos);
                System.arraycopy(stream, pos, b, off, n);
                pos += n;
                k++;
                return n;
            }
        };

        new SseRelay().relay(upstream, out, new Recorder(null));

        assertThat(out.toByteArray()).isEqualTo(stream);
        for (int k = 1; k < flushedBeforeRead.size(); k++) {
            assertThat(flushedBeforeRead.get(k)).as("flushed before read %d", k).isEqualTo(ends[k - 1]);
        }
    }

    @Test
    void a_last_event_without_its_blank_line_is_forwarded_when_the_upstream_ends() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Recorder recorder = new Recorder(null);

        new SseRelay().relay(new SplitInput(bytes(List.of("data: 1\n\n", "data: [DONE]")), i -> 3), out, recorder);

        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("data: 1\n\ndata: [DONE]");
        assertThat(recorder.seen).containsExactly("data: 1\n\n", "data: [DONE]");
    }

    @Test
    void a_refused_last_event_without_its_blank_line_is_withheld_too() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        new SseRelay().relay(new SplitInput(bytes(List.of("data: 1\n\n", "data: {\"usage\":{}}\n")), i -> 100), out,
                new Recorder("usage"));

        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("data: 1\n\n");
    }

    @Test
    void events_of_a_megabyte_are_relayed_whole() throws IOException {
        String big = "data: {\"content\":\"" + "x".repeat(1 << 20) + "\"}\n\n";
        List<String> events = List.of("data: a\n\n", big, "data: [DONE]\n\n");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Recorder recorder = new Recorder(null);

        new SseRelay().relay(new SplitInput(bytes(events), i -> 5000), out, recorder);

        assertThat(out.toByteArray()).isEqualTo(bytes(events));
        assertThat(recorder.seen).containsExactlyElementsOf(events);
    }

    @Test
    void an_endless_event_fails_after_a_bounded_number_of_bytes() {
        long[] served = {0};
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                Arrays.fill(b, off, off + len, (byte) 'a');
                served[0] += len;
                return len;
            }
        };
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        assertThatThrownBy(() -> new SseRelay().relay(endless, out, new Recorder(null)))
                .isInstanceOf(IOException.class)
                .isNotInstanceOf(SseRelay.ClientGoneException.class)
                .hasMessageContaining("larger than");
        assertThat(served[0]).isLessThanOrEqualTo(8L * 1024 * 1024);
        assertThat(out.size()).isZero();
    }

    @Test
    void a_client_whose_writes_fail_stops_the_relay_at_once_with_client_gone() {
        int[] reads = {0};
        byte[] event = "data: {\"choices\":[{\"delta\":{\"content\":\"x\"}}]}\n\n".getBytes(StandardCharsets.UTF_8);
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) {
                reads[0]++;
                int n = Math.min(len, event.length);
                System.arraycopy(event, 0, b, off, n);
                return n;
            }
        };
        OutputStream gone = new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                throw new IOException("Broken pipe");
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                throw new IOException("Broken pipe");
            }
        };

        assertThatThrownBy(() -> new SseRelay().relay(endless, gone, new Recorder(null)))
                .isInstanceOf(SseRelay.ClientGoneException.class)
                .hasRootCauseMessage("Broken pipe");
        assertThat(reads[0]).isEqualTo(1);
    }

    @Test
    void a_client_whose_flush_fails_is_gone_as_well() {
        OutputStream flushFails = new ByteArrayOutputStream() {
            @Override
            public void flush() throws IOException {
                throw new IOException("Connection reset by peer");
            }
        };

        assertThatThrownBy(() -> new SseRelay().relay(new SplitInput(bytes(EVENTS), i -> 1000), flushFails, new Recorder(null)))
                .isInstanceOf(SseRelay.ClientGoneException.class);
    }

    @Test
    void an_upstream_read_failure_is_an_io_exception_not_a_gone_client() {
        InputStream dies = new InputStream() {
            int reads;

            @Override
            public int read() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (reads++ > 0) {
                    throw new IOException("connection closed in the middle of a chunked body");
                }
                byte[] e = "data: 1\n\n".getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(e, 0, b, off, e.length);
                return e.length;
            }
        };
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        assertThatThrownBy(() -> new SseRelay().relay(dies, out, new Recorder(null)))
                .isInstanceOf(IOException.class)
                .isNotInstanceOf(SseRelay.ClientGoneException.class);
        assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo("data: 1\n\n");
    }

    @Test
    void an_editor_replaces_or_withholds_events_and_a_throwing_editor_stops_after_the_events_before() throws IOException {
        byte[] in = "data: a\n\ndata: b\n\ndata: c\n\ndata: stop\n\ndata: d\n\n".getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        SseEditor editor = (buf, from, to) -> {
            String e = new String(buf, from, to - from, StandardCharsets.US_ASCII);
            return switch (e) {
                case "data: a\n\n" -> "data: A\n\n".getBytes(StandardCharsets.US_ASCII);
                case "data: b\n\n" -> SseEditor.WITHHOLD;
                case "data: stop\n\n" -> throw new IOException("stop here");
                default -> null;
            };
        };

        assertThatThrownBy(() -> new SseRelay().relay(new java.io.ByteArrayInputStream(in), out, editor)).hasMessage("stop here");
        assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo("data: A\n\ndata: c\n\n");
    }
}
