package io.kiban.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.control.Replica;
import io.kiban.control.Supervisor;
import io.kiban.gguf.TinyLlama;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A server restart keeps healthy replicas: a server started with {@code --keep-replicas} leaves its workers running,
 * the next server on the same data directory adopts those whose deployment is unchanged (same pids, no restart) and
 * stops the ones whose deployment is gone; a normal shutdown stops them.
 */
class RestartAdoptionIT {

    @Test
    void a_restarted_server_adopts_unchanged_replicas_and_stops_the_rest() throws Exception {
        Path dir = Files.createTempDirectory("restart-adoption-it");
        Path model = dir.resolve("tiny.gguf");
        TinyLlama.write(model);
        Path data = dir.resolve("data");
        String opts = ":threads=1,ctx-size=256,parallel=1";
        long keptPid;
        long droppedPid;
        String adminKey;
        try (ControlServer first = ControlServer.start(data, List.of("kept=" + model + opts, "dropped=" + model + opts),
                ControlOptions.defaults().withKeepReplicas(true), Duration.ofSeconds(30), null)) {
            adminKey = first.adminKey;
            first.awaitDeployment("kept", Duration.ofSeconds(60), v -> v.path("status").path("ready_replicas").asInt() == 1);
            first.awaitDeployment("dropped", Duration.ofSeconds(60), v -> v.path("status").path("ready_replicas").asInt() == 1);
            keptPid = first.deployment("kept").path("replicas").get(0).path("pid").asLong();
            droppedPid = first.deployment("dropped").path("replicas").get(0).path("pid").asLong();
        }
        assertThat(alive(keptPid)).as("--keep-replicas leaves the workers running").isTrue();
        assertThat(alive(droppedPid)).isTrue();

        long t0 = System.nanoTime();
        try (ControlServer second = ControlServer.start(data, List.of("kept=" + model + opts),
                ControlOptions.defaults(), Duration.ofSeconds(30), adminKey)) {
            var answer = second.chat("kept", 3);
            System.out.printf("restart: first answer %d ms after the second server began starting%n",
                    (System.nanoTime() - t0) / 1_000_000);
            assertThat(answer.status()).as(answer.body()).isEqualTo(200);
            var kept = second.deployment("kept").path("replicas");
            assertThat(kept).hasSize(1);
            assertThat(kept.get(0).path("pid").asLong()).isEqualTo(keptPid);
            assertThat(kept.get(0).path("adopted").asBoolean()).isTrue();
            assertThat(second.deployment("kept").path("status").path("restarts").asInt()).isZero();
            assertThat(second.call("GET", "/api/v1/deployments/dropped", null).status()).isEqualTo(404);
            awaitDead(droppedPid);
            assertThat(second.bean(Supervisor.class).get("kept").replicas()).extracting(Replica::id).containsExactly("kept-1");
        }
        awaitDead(keptPid); // a normal shutdown stops them
    }

    static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    static void awaitDead(long pid) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (alive(pid)) {
            assertThat(System.nanoTime()).as("pid %d stopped", pid).isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
