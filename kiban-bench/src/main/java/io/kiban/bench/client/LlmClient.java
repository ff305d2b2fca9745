package io.kiban.bench.client;

/**
 * Sends one OpenAI request and measures it; blocking, safe to call from many (virtual) threads at once.
 * Implementations: {@link RawHttpClient} (default) and {@link JdkLlmClient}; see decision 0102.
 */
public interface LlmClient extends AutoCloseable {

    /**
     * Sends {@code body} to {@code endpointPath} (e.g. {@code /chat/completions}) and reads the whole response.
     *
     * @param stream whether the response is an SSE stream to time event by event
     * @param parseUsage whether to read {@code usage} from a non-streamed body (skip it for raw-HTTP probes)
     */
    CallResult call(String endpointPath, byte[] body, boolean stream, boolean parseUsage);

    @Override
    void close();
}
