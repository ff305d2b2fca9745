package io.kiban.control.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelPreloaderTest {

    @Test
    void reads_the_whole_file_once(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("m.gguf");
        Files.write(f, new byte[9 << 20]);
        try (ModelPreloader p = new ModelPreloader(() -> 1L << 34)) {
            assertThat(p.preload(f).get(10, TimeUnit.SECONDS)).isEqualTo(9L << 20);
        }
    }

    @Test
    void skips_a_file_larger_than_half_the_available_memory(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("m.gguf");
        Files.write(f, new byte[1 << 20]);
        try (ModelPreloader p = new ModelPreloader(() -> 1L << 20)) {
            assertThat(p.preload(f).get(10, TimeUnit.SECONDS)).isEqualTo(-1L);
        }
    }

    @Test
    void a_missing_file_is_reported_not_thrown(@TempDir Path dir) throws Exception {
        try (ModelPreloader p = new ModelPreloader()) {
            assertThat(p.preload(dir.resolve("none.gguf")).get(10, TimeUnit.SECONDS)).isEqualTo(-1L);
        }
    }
}
