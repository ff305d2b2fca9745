package io.kiban.gateway.upstream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.List;

/**
 * A socket with a canned runtime behind it, for benchmarks of the client without the kernel: every request flushed
 * to it queues the same response, which reads back one part per read (the head, then one HTTP chunk per event, as
 * a worker flushes them). Requests are counted and discarded.
 */
public final class CannedSocket extends Socket {
    private final byte[][] response;
    private int part = Integer.MAX_VALUE; // nothing to read before the first request
    private int offset;
    private boolean closed;
    private int timeout;
    public long requestBytes;
    public int requests;

    public CannedSocket(List<byte[]> response) {
        this.response = response.toArray(new byte[0][]);
    }

    /** A client whose pool holds one connection over {@code socket}, for requests to {@code host:port}. */
    public static Http1Client client(CannedSocket socket, String host, int port) throws IOException {
        Http1Client client = new Http1Client();
        client.release(client.new Connection(socket, host + ':' + port));
        return client;
    }

    /** Queues the response as if a request had just been sent. */
    void respond() {
        part = 0;
        offset = 0;
    }

    private final InputStream in = new InputStream() {
        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (part >= response.length) {
                throw new IOException("read past the canned response: the client read more than one response");
            }
            byte[] p = response[part];
            int n = Math.min(len, p.length - offset);
            System.arraycopy(p, offset, b, off, n);
            offset += n;
            if (offset == p.length) {
                part++;
                offset = 0;
            }
            return n;
        }
    };

    private final OutputStream out = new OutputStream() {
        @Override
        public void write(int b) {
            requestBytes++;
        }

        @Override
        public void write(byte[] b, int off, int len) {
            requestBytes += len;
        }

        @Override
        public void flush() {
            requests++;
            respond();
        }
    };

    @Override
    public InputStream getInputStream() {
        return in;
    }

    @Override
    public OutputStream getOutputStream() {
        return out;
    }

    @Override
    public synchronized void setSoTimeout(int timeout) {
        this.timeout = timeout;
    }

    @Override
    public synchronized int getSoTimeout() {
        return timeout;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    @Override
    public synchronized void close() {
        closed = true;
    }
}
