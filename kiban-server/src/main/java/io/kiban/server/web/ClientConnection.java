package io.kiban.server.web;

import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletRequestWrapper;
import java.io.IOException;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import org.apache.catalina.connector.RequestFacade;
import org.apache.coyote.AbstractProcessor;
import org.apache.coyote.http11.Http11Processor;
import org.apache.tomcat.util.net.NioChannel;
import org.apache.tomcat.util.net.SecureNioChannel;
import org.apache.tomcat.util.net.SocketWrapperBase;

/**
 * Tells whether a servlet request's client has closed its connection, without waiting and without writing: the
 * servlet API has no way to ask, so this reaches Tomcat's NIO channel (three non-public fields) and reads at most one
 * byte from it without blocking. End of stream: the client is gone. A byte: the client sent something while waiting
 * (a pipelined request; clients practically never do), which is then lost to Tomcat, so the response closes the
 * connection ({@code Connection: close}) and the client sends it again on a new one.
 *
 * <p>Only plain-text HTTP/1.1 on Tomcat's NIO connector: TLS records can't be read a byte at a time, HTTP/2
 * multiplexes streams on the socket, and other connectors have no channel here; for those (and if Tomcat's internals change) the answer is always "present".
 */
final class ClientConnection {
    private static final System.Logger LOG = System.getLogger(ClientConnection.class.getName());
    private static final Field FACADE_REQUEST;
    private static final Field COYOTE_HOOK;
    private static final Field PROCESSOR_SOCKET;

    static {
        Field facade = null;
        Field hook = null;
        Field socket = null;
        try {
            facade = RequestFacade.class.getDeclaredField("request");
            facade.setAccessible(true);
            hook = org.apache.coyote.Request.class.getDeclaredField("hook");
            hook.setAccessible(true);
            socket = AbstractProcessor.class.getDeclaredField("socketWrapper");
            socket.setAccessible(true);
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "Client disconnects during whole responses will not be noticed "
                    + "(this Tomcat's internals differ: " + e + ")");
            facade = null;
        }
        FACADE_REQUEST = facade;
        COYOTE_HOOK = hook;
        PROCESSOR_SOCKET = socket;
    }

    /** What a probe found. */
    enum State { PRESENT, GONE, SENT_DATA, UNKNOWN }

    private final SocketChannel channel;
    private final ByteBuffer one = ByteBuffer.allocate(1);

    private ClientConnection(SocketChannel channel) {
        this.channel = channel;
    }

    /** The connection of a request, or null when it can't be probed (TLS, another connector, other internals). */
    static ClientConnection of(ServletRequest request) {
        if (FACADE_REQUEST == null) {
            return null;
        }
        ServletRequest r = request;
        while (r instanceof ServletRequestWrapper w) {
            r = w.getRequest();
        }
        if (!(r instanceof RequestFacade)) {
            return null;
        }
        try {
            org.apache.catalina.connector.Request catalina = (org.apache.catalina.connector.Request) FACADE_REQUEST.get(r);
            Object hook = catalina == null ? null : COYOTE_HOOK.get(catalina.getCoyoteRequest());
            // HTTP/1.1 only: under HTTP/2 the socket carries every stream's frames, and a byte read off it is lost to all.
            if (!(hook instanceof Http11Processor processor)
                    || !(PROCESSOR_SOCKET.get(processor) instanceof SocketWrapperBase<?> wrapper)
                    || !(wrapper.getSocket() instanceof NioChannel nio) || nio instanceof SecureNioChannel) {
                return null;
            }
            SocketChannel channel = nio.getIOChannel();
            // A blocking channel would block the caller until the client sends or closes: never read one.
            return channel == null || channel.isBlocking() ? null : new ClientConnection(channel);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }

    /** Reads at most one byte without blocking. */
    State probe() {
        one.clear();
        try {
            int n = channel.read(one);
            return n < 0 ? State.GONE : n == 0 ? State.PRESENT : State.SENT_DATA;
        } catch (IOException e) { // reset by the peer, or closed by Tomcat
            return State.GONE;
        } catch (RuntimeException e) {
            return State.UNKNOWN;
        }
    }
}
