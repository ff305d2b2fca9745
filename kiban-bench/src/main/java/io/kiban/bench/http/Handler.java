package io.kiban.bench.http;

/** Serves one exchange; runs on the connection's thread and may block. */
@FunctionalInterface
public interface Handler {
    void handle(Exchange exchange) throws Exception;
}
