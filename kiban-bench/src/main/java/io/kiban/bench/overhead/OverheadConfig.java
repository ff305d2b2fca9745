package io.kiban.bench.overhead;

import java.nio.file.Path;
import java.util.List;

/**
 * Settings of one protocol run; {@link OverheadMain} fills them from a profile and options.
 *
 * @param rounds interleaved rounds of S1, S2 and S4 (ratios are computed within each round)
 * @param window seconds per wrk window (S2) and per paced-stream window (S4b)
 * @param warmup seconds of load on each target before its first measured window
 * @param s1Requests sequential requests of S1 (added latency at concurrency 1)
 * @param s4Requests sequential streams of S4a (time to first byte)
 * @param s2Connections wrk connection counts of S2
 * @param s3StepSeconds seconds per rate of the S3 ladder
 * @param s5Levels concurrent paced streams tried in S5, in order
 * @param s5StepSeconds seconds per S5 level
 * @param genCpus CPU list for simulator and generators, as taskset takes it ("0", "0,2-3")
 * @param targets which targets to run: direct, nginx, portkey, kiban-pass, kiban-gov
 * @param kibanPassCmd start command template for Kiban pass-through ({port}, {sim}, {data}), or null to skip
 * @param kibanGovCmd the same for governed Kiban, or null
 */
record OverheadConfig(
        String profile,
        int rounds,
        int window,
        int warmup,
        int s1Requests,
        int s4Requests,
        List<Integer> s2Connections,
        double s3StepSeconds,
        List<Integer> s5Levels,
        int s5StepSeconds,
        int sutCpu,
        String genCpus,
        Path out,
        Path repo,
        Path benchDir,
        Path jar,
        String java,
        String nginx,
        int simPort,
        int basePort,
        List<String> targets,
        String kibanPassCmd,
        String kibanGovCmd,
        String commit) {}
