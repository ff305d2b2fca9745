package io.kiban.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.store.recorder.Recorder;
import java.time.Duration;

/**
 * Waits until a test server's Recorder has written everything its requests produced. The gateway hands a request
 * to the Recorder just after the client received the last byte, so "written" is only meaningful once submissions
 * have stopped: this waits until nothing new was submitted for 150 ms and everything submitted is written.
 */
final class Recorded {
    private Recorded() {}

    static void settle(TestServer server) throws InterruptedException {
        Recorder recorder = server.bean(Recorder.class);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        long last = -1;
        while (System.nanoTime() < deadline) {
            assertThat(recorder.awaitWritten(Duration.ofSeconds(30))).isTrue();
            long submitted = recorder.stats().submitted();
            if (submitted == last) {
                return;
            }
            last = submitted;
            Thread.sleep(150);
        }
        throw new AssertionError("the recorder did not settle");
    }
}
