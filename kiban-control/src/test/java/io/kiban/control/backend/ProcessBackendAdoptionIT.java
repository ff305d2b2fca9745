package io.kiban.control.backend;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.control.DeploymentSpec;
import io.kiban.control.model.ModelOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * What a restarted server finds: workers an earlier {@link ProcessBackend} started on the same data directory are
 * adopted when their spec is unchanged and stopped otherwise, and a process that merely has a recorded pid is never
 * signalled.
 */
class ProcessBackendAdoptionIT {

    @Test
    void a_second_backend_adopts_the_unchanged_replica_and_stops_the_changed_one() throws Exception {
        ProcessBackendIT.model();
        Path root = Files.createTempDirectory(ProcessBackendIT.dir, "adopt");
        DeploymentSpec kept = DeploymentSpec.builtin("kept", ProcessBackendIT.model, ModelOptions.parse("threads=1,ctx-size=256"));
        DeploymentSpec changed = DeploymentSpec.builtin("changed", ProcessBackendIT.model, ModelOptions.parse("threads=1,ctx-size=256"));
        ProcessBackend first = new ProcessBackend(ProcessBackendIT.config(root));
        ReplicaHandle a = first.start(kept, "kept-3", 2);
        ReplicaHandle b = first.start(changed, "changed-1", 0);
        var endpoint = BackendContract.awaitReady(a, Duration.ofSeconds(60));
        BackendContract.awaitReady(b, Duration.ofSeconds(60));
        // the first server goes away without stopping its replicas; the second one starts on the same directory

        ProcessBackend second = new ProcessBackend(ProcessBackendIT.config(root));
        List<Backend.AdoptedReplica> adopted = second.adopt(kept);
        assertThat(second.adopt(DeploymentSpec.builtin("changed", ProcessBackendIT.model,
                ModelOptions.parse("threads=1,ctx-size=512")))).as("what the replica runs changed").isEmpty();
        second.stopUnadopted();

        assertThat(adopted).singleElement().satisfies(r -> {
            assertThat(r.replicaId()).isEqualTo("kept-3");
            assertThat(r.handle().pid()).isEqualTo(a.pid());
            assertThat(r.handle().endpoint()).contains(endpoint);
        });
        assertThat(b.exited().get(15, TimeUnit.SECONDS)).isNotNull();
        assertThat(a.exited()).isNotDone();
        assertThat(BackendContract.chat(adopted.getFirst().handle().endpoint().orElseThrow(), "kept").statusCode())
                .isEqualTo(200);
        adopted.getFirst().handle().stop(Duration.ofSeconds(10));
        assertThat(a.exited().get(15, TimeUnit.SECONDS)).isNotNull();
    }

    @Test
    void a_recorded_pid_that_belongs_to_another_process_is_left_alone() throws Exception {
        Path root = Files.createTempDirectory("adopt-safety");
        Path dir = Files.createDirectories(root.resolve("run").resolve("ghost-1"));
        Process other = new ProcessBuilder("sleep", "60").start(); // runs in the test's directory, not in ghost-1
        try {
            new ReplicaRecord("ghost-1", "ghost", "builtin", "x", other.pid(),
                    other.toHandle().info().startInstant().orElse(Instant.now()), 0, null, "/health", "/dev/null").write(dir);
            ProcessBackend backend = new ProcessBackend(ProcessBackendIT.config(root));

            backend.stopUnadopted();

            assertThat(other.isAlive()).isTrue();
            assertThat(dir).doesNotExist();
        } finally {
            other.destroyForcibly();
        }
    }
}
