package io.kiban.gateway.upstream;

/** Sends requests to model runtimes. Implementations keep connections alive between requests. */
public interface UpstreamClient extends AutoCloseable {

    /** Sends the request and returns once the status line and headers have arrived. */
    UpstreamResponse send(UpstreamRequest request) throws UpstreamException;

    @Override
    void close();
}
