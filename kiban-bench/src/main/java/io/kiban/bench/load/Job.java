package io.kiban.bench.load;

/**
 * One request to send: the endpoint path under the base URL, the JSON body, and whether it streams.
 *
 * @param offsetNanos intended send time relative to the step start for trace replay, or -1
 */
public record Job(String path, byte[] body, boolean stream, long offsetNanos) {}
