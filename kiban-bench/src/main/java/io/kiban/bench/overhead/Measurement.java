package io.kiban.bench.overhead;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One measured window of the protocol: a scenario on a target in a round (round 0 is the capacity pass).
 *
 * @param values named numbers: latencies in ms, CPU in µs, RSS in MB, rates per second
 * @param steps the steps of a ladder or level search (S3, S5), each its own named numbers
 * @param note what went wrong or what to keep in mind, or null
 */
record Measurement(String target, int round, String scenario, Map<String, Double> values,
        List<Map<String, Double>> steps, String note) {

    static Measurement of(String target, int round, String scenario) {
        return new Measurement(target, round, scenario, new LinkedHashMap<>(), new java.util.ArrayList<>(), null);
    }

    Measurement put(String key, double value) {
        values.put(key, value);
        return this;
    }

    Measurement withNote(String n) {
        return new Measurement(target, round, scenario, values, steps, note == null ? n : note + "; " + n);
    }

    double get(String key) {
        Double v = values.get(key);
        return v == null ? Double.NaN : v;
    }
}
