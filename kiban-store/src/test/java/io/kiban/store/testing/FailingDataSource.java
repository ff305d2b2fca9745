package io.kiban.store.testing;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A data source that fails on demand, to simulate a database outage where the real one cannot be stopped (H2 in
 * the same JVM) and to simulate a commit whose outcome the client never learns.
 *
 * <p>While {@linkplain #down down}, new connections are refused the way a pool refuses them
 * ({@link SQLTransientConnectionException}) and every call on an existing connection fails as if the socket
 * dropped ({@link SQLRecoverableException}, SQLState 08006). With {@link #loseCommitAcknowledgements(int)},
 * the next commits really happen but report failure, as when a connection breaks right after the server
 * committed.
 */
public final class FailingDataSource implements DataSource {
    private final DataSource delegate;
    private volatile boolean down;
    private final AtomicInteger lostAcknowledgements = new AtomicInteger();

    public FailingDataSource(DataSource delegate) {
        this.delegate = delegate;
    }

    public void down(boolean isDown) {
        this.down = isDown;
    }

    /** The next {@code count} commits succeed in the database but throw in the client. */
    public void loseCommitAcknowledgements(int count) {
        lostAcknowledgements.set(count);
    }

    public int pendingLostAcknowledgements() {
        return lostAcknowledgements.get();
    }

    @Override
    public Connection getConnection() throws SQLException {
        if (down) {
            throw new SQLTransientConnectionException("FailingDataSource: database is down", "08001");
        }
        Connection real = delegate.getConnection();
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
                new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                    String name = method.getName();
                    if (name.equals("close") || name.equals("isClosed")) {
                        return invoke(real, method, args);
                    }
                    if (down) {
                        throw new SQLRecoverableException("FailingDataSource: connection lost", "08006");
                    }
                    Object result = invoke(real, method, args);
                    if (name.equals("commit") && lostAcknowledgements.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                        throw new SQLRecoverableException("FailingDataSource: connection lost after commit",
                                "08006");
                    }
                    return result;
                });
    }

    private static Object invoke(Connection real, java.lang.reflect.Method method, Object[] args)
            throws Throwable {
        try {
            return method.invoke(real, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException();
    }

    @Override
    public PrintWriter getLogWriter() {
        return null;
    }

    @Override
    public void setLogWriter(PrintWriter out) {}

    @Override
    public void setLoginTimeout(int seconds) {}

    @Override
    public int getLoginTimeout() {
        return 0;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        throw new SQLException("not a wrapper");
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) {
        return false;
    }
}
