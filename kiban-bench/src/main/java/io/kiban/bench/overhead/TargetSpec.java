package io.kiban.bench.overhead;

import java.util.List;

/**
 * A target of the protocol.
 *
 * @param kind {@code direct}, {@code nginx}, {@code portkey}, {@code kiban-pass} or {@code kiban-gov}
 * @param port the port it listens on (the simulator's for direct)
 * @param headers request headers it needs ({@code Name: value}), also given to wrk through its Lua script
 */
record TargetSpec(String kind, int port, List<String> headers) {
    String baseUrl() {
        return "http://127.0.0.1:" + port + "/v1";
    }
}
