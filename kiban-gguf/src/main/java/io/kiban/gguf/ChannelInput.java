package io.kiban.gguf;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.SeekableByteChannel;

/**
 * A little-endian reader over a channel that knows the channel's size, so that every read and skip is checked
 * against the bytes that are really left before anything is allocated.
 *
 * <p>Reads go through one buffer of at most 64 KiB; skips move the channel position without reading.
 */
final class ChannelInput {

    private static final int BUFFER_SIZE = 64 * 1024;

    private final SeekableByteChannel channel;
    private final long size;
    private final ByteBuffer buffer;
    /** The file offset of {@code buffer}'s index 0. */
    private long bufferStart;

    ChannelInput(SeekableByteChannel channel) throws IOException {
        this.channel = channel;
        this.size = channel.size();
        this.buffer = ByteBuffer.allocate(Math.clamp(size, 16, BUFFER_SIZE)).order(ByteOrder.LITTLE_ENDIAN);
        this.buffer.limit(0);
        channel.position(0);
    }

    long size() {
        return size;
    }

    long position() {
        return bufferStart + buffer.position();
    }

    long remaining() {
        return size - position();
    }

    /** Fails with a message naming {@code what} unless at least {@code n} more bytes are in the file. */
    void need(long n, String what) throws GgufException {
        if (n < 0 || n > remaining()) {
            throw new GgufException("truncated file: " + what + " needs " + Long.toUnsignedString(n)
                    + " bytes but only " + remaining() + " remain", position());
        }
    }

    int u8(String what) throws IOException {
        fill(1, what);
        return buffer.get() & 0xff;
    }

    int i16(String what) throws IOException {
        fill(2, what);
        return buffer.getShort();
    }

    int i32(String what) throws IOException {
        fill(4, what);
        return buffer.getInt();
    }

    long i64(String what) throws IOException {
        fill(8, what);
        return buffer.getLong();
    }

    float f32(String what) throws IOException {
        fill(4, what);
        return buffer.getFloat();
    }

    double f64(String what) throws IOException {
        fill(8, what);
        return buffer.getDouble();
    }

    /** Reads {@code n} bytes; the caller has bounded {@code n} (strings are at most 1 MiB). */
    byte[] bytes(int n, String what) throws IOException {
        need(n, what);
        byte[] out = new byte[n];
        int fromBuffer = Math.min(n, buffer.remaining());
        buffer.get(out, 0, fromBuffer);
        if (fromBuffer < n) {
            // Large read: bypass the buffer, then restart it after the bytes just read.
            long at = position();
            channel.position(at);
            ByteBuffer rest = ByteBuffer.wrap(out, fromBuffer, n - fromBuffer);
            while (rest.hasRemaining()) {
                if (channel.read(rest) < 0) {
                    throw new GgufException("file shrank while reading " + what, at);
                }
            }
            restartAt(at + n - fromBuffer);
        }
        return out;
    }

    void skip(long n, String what) throws IOException {
        need(n, what);
        if (n <= buffer.remaining()) {
            buffer.position(buffer.position() + (int) n);
        } else {
            long target = position() + n;
            channel.position(target);
            restartAt(target);
        }
    }

    private void restartAt(long offset) {
        bufferStart = offset;
        buffer.clear().limit(0);
    }

    private void fill(int n, String what) throws IOException {
        if (buffer.remaining() >= n) {
            return;
        }
        need(n, what);
        long at = position();
        bufferStart = at;
        buffer.compact();
        channel.position(at + buffer.position());
        while (buffer.position() < n) {
            if (channel.read(buffer) < 0) {
                throw new GgufException("file shrank while reading " + what, at);
            }
        }
        buffer.flip();
    }
}
