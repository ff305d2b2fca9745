package io.kiban.bench.overhead;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class OverheadPartsTest {

    @Test
    void parses_wrk_output() {
        String out = """
                Running 5s test @ http://127.0.0.1:18081/v1/chat/completions
                  1 threads and 16 connections
                  Thread Stats   Avg      Stdev     Max   +/- Stdev
                    Latency   764.00us    1.20ms  30.10ms   95.00%
                    Req/Sec    17.76k     1.02k   19.00k    80.00%
                  Latency Distribution
                     50%  764.00us
                     75%    1.00ms
                     90%    1.50ms
                     99%    3.02ms
                  88800 requests in 5.00s, 40.00MB read
                  Socket errors: connect 0, read 2, write 0, timeout 1
                  Non-2xx or 3xx responses: 4
                Requests/sec:  17760.00
                Transfer/sec:      8.00MB
                """;
        Wrk.Result r = Wrk.parse(out);
        assertThat(r.requests()).isEqualTo(88800);
        assertThat(r.rps()).isEqualTo(17760.0);
        assertThat(r.p50()).isEqualTo(0.764);
        assertThat(r.p90()).isEqualTo(1.5);
        assertThat(r.p99()).isEqualTo(3.02);
        assertThat(r.errors()).isEqualTo(4 + 3);
    }

    @Test
    void cpu_lists_rotation_and_medians() {
        assertThat(ProcStats.parseCpuList("0")).containsExactly(0);
        assertThat(ProcStats.parseCpuList("0,2-4")).containsExactly(0, 2, 3, 4);
        assertThat(Protocol.rotate(List.of("a", "b", "c"), 1)).containsExactly("b", "c", "a");
        assertThat(Protocol.rotate(List.of("a", "b", "c"), 3)).containsExactly("a", "b", "c");
        assertThat(OverheadReport.median(List.of(3.0, 1.0, 2.0))).isEqualTo(2.0);
        assertThat(OverheadReport.median(List.of(4.0, 1.0))).isEqualTo(2.5);
        assertThat(OverheadReport.mmm(List.of(3.0, 1.0, 2.0), " ms", 1)).isEqualTo("2.0 ms [1.0–3.0]");
        assertThat(OverheadReport.mmm(List.of(), " ms", 1)).isEqualTo("—");
    }

    @Test
    void this_process_has_cpu_time_and_rss() {
        List<Long> self = ProcStats.tree(ProcessHandle.current().pid());
        assertThat(ProcStats.rssBytes(self)).isGreaterThan(1 << 20);
        assertThat(ProcStats.cpuTicks(self)).isGreaterThan(0);
        long[] j = ProcStats.cpuJiffies("0");
        assertThat(j[1]).isGreaterThanOrEqualTo(j[0]).isGreaterThan(0);
    }
}
