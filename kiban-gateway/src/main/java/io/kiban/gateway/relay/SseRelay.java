package io.kiban.gateway.relay;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * Forwards a server-sent-event stream from a model runtime to the client event by event, the moment each event is
 * complete, and shows every event to an {@link SseInspector} (which may withhold it).
 *
 * <p>Nothing is buffered beyond one incomplete event: after each upstream read the complete events are written in one
 * write and flushed. Events end with a blank line ({@code \n\n} or {@code \r\n\r\n}).
 *
 * <p>Edges: a failed write to the client ({@link ClientGoneException}) stops the relay at once so the caller can
 * close the upstream connection, which makes the runtime stop generating. A failed upstream read propagates as
 * {@link IOException}; the caller decides how to end the client's stream.
 */
public final class SseRelay {
    private static final int MAX_EVENT = 8 * 1024 * 1024;

    private byte[] buf = new byte[16384];
    private int len;

    /** Thrown when writing to the client failed: the client went away. */
    public static final class ClientGoneException extends IOException {
        ClientGoneException(IOException cause) {
            super("client went away", cause);
        }
    }

    /** Relays until the upstream ends. */
    public void relay(InputStream upstream, OutputStream client, SseInspector inspector) throws IOException {
        int scanFrom = 0;
        while (true) {
            if (len == buf.length) {
                if (buf.length >= MAX_EVENT) {
                    throw new IOException("server-sent event larger than " + MAX_EVENT + " bytes");
                }
                buf = Arrays.copyOf(buf, buf.length * 2);
            }
            int n = upstream.read(buf, len, buf.length - len);
            if (n < 0) {
                if (len > 0) { // a last event without its blank line
                    inspector.onEvent(buf, 0, len);
                    write(client, 0, len);
                    flush(client);
                    len = 0;
                }
                return;
            }
            len += n;
            int eventStart = 0;
            int forwardFrom = 0;
            int i = Math.max(scanFrom, 1);
            while (i < len) {
                if (buf[i] == '\n' && (buf[i - 1] == '\n' || (i >= 3 && buf[i - 1] == '\r' && buf[i - 2] == '\n' && buf[i - 3] == '\r'))) {
                    int end = i + 1;
                    if (!inspector.onEvent(buf, eventStart, end)) {
                        write(client, forwardFrom, eventStart);
                        forwardFrom = end;
                    }
                    eventStart = end;
                    i = end + 1;
                } else {
                    i++;
                }
            }
            if (eventStart > forwardFrom) {
                write(client, forwardFrom, eventStart);
            }
            if (eventStart > 0) {
                flush(client);
                System.arraycopy(buf, eventStart, buf, 0, len - eventStart);
                len -= eventStart;
            }
            scanFrom = len;
        }
    }

    private void write(OutputStream client, int from, int to) throws ClientGoneException {
        if (to > from) {
            try {
                client.write(buf, from, to - from);
            } catch (IOException e) {
                throw new ClientGoneException(e);
            }
        }
    }

    private static void flush(OutputStream client) throws ClientGoneException {
        try {
            client.flush();
        } catch (IOException e) {
            throw new ClientGoneException(e);
        }
    }
}
