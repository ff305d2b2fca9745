package io.kiban.bench.workload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceReaderTest {
    @TempDir
    Path dir;

    @Test
    void reads_azure_csv_with_seven_fraction_digits_and_compresses_time() throws IOException {
        Path f = dir.resolve("azure.csv");
        Files.writeString(f, "TIMESTAMP,ContextTokens,GeneratedTokens\n"
                + "2023-11-16 18:17:03.9799600,374,44\n"
                + "2023-11-16 18:17:04.4799600,396,109\n"
                + "2023-11-16 18:17:05,879,29"); // no trailing newline, no fraction
        List<TraceRow> rows = TraceReader.read(f, TraceReader.Format.AUTO, 2, 0);
        assertThat(rows).hasSize(3);
        assertThat(rows.get(0).offsetNanos()).isZero();
        assertThat(rows.get(1).offsetNanos()).isEqualTo(250_000_000L);
        assertThat(rows.get(2).offsetNanos()).isEqualTo(510_020_000L);
        assertThat(rows.get(2).inputTokens()).isEqualTo(879);
        assertThat(rows.get(2).outputTokens()).isEqualTo(29);
        assertThat(TraceReader.read(f, TraceReader.Format.AZURE, 1, 2)).hasSize(2);
    }

    @Test
    void reads_mooncake_jsonl_with_hash_ids() throws IOException {
        Path f = dir.resolve("mc.jsonl");
        Files.writeString(f, "{\"timestamp\": 0, \"input_length\": 1000, \"output_length\": 10, \"hash_ids\": [1, 2]}\n"
                + "{\"timestamp\": 1500, \"input_length\": 600, \"output_length\": 5, \"hash_ids\": [1, 3]}\n");
        List<TraceRow> rows = TraceReader.read(f, TraceReader.Format.AUTO, 1, 0);
        assertThat(rows).hasSize(2);
        assertThat(rows.get(1).offsetNanos()).isEqualTo(1_500_000_000L);
        assertThat(rows.get(1).hashIds()).containsExactly(1, 3);
    }

    @Test
    void a_bad_row_names_file_and_line() throws IOException {
        Path f = dir.resolve("bad.csv");
        Files.writeString(f, "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:17:03,abc,1\n");
        assertThatThrownBy(() -> TraceReader.read(f, TraceReader.Format.AUTO, 1, 0)).hasMessageContaining("bad.csv:2");
    }
}
