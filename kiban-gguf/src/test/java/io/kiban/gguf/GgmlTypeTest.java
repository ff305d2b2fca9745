package io.kiban.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class GgmlTypeTest {

    @ParameterizedTest(name = "{0} is id {1}, {2} bits per weight")
    @CsvSource({
        "F32, 0, 32", "F16, 1, 16", "Q4_0, 2, 4.5", "Q4_1, 3, 5", "Q5_0, 6, 5.5", "Q5_1, 7, 6", "Q8_0, 8, 8.5",
        "Q2_K, 10, 2.625", "Q3_K, 11, 3.4375", "Q4_K, 12, 4.5", "Q5_K, 13, 5.5", "Q6_K, 14, 6.5625",
        "IQ2_XXS, 16, 2.0625", "IQ2_XS, 17, 2.3125", "IQ3_XXS, 18, 3.0625", "IQ1_S, 19, 1.5625", "IQ4_NL, 20, 4.5",
        "IQ3_S, 21, 3.4375", "IQ2_S, 22, 2.5625", "IQ4_XS, 23, 4.25", "I8, 24, 8", "I64, 27, 64", "F64, 28, 64",
        "IQ1_M, 29, 1.75", "BF16, 30, 16", "TQ1_0, 34, 1.6875", "TQ2_0, 35, 2.0625", "MXFP4, 39, 4.25"})
    void has_the_id_and_density_of_ggml(GgmlType type, int id, double bitsPerWeight) {
        assertThat(type.id()).isEqualTo(id);
        assertThat(GgmlType.byId(id)).isSameAs(type);
        assertThat(8.0 * type.typeSize() / type.blockSize()).isEqualTo(bitsPerWeight);
    }

    @Test
    void ids_are_unique() {
        assertThat(Arrays.stream(GgmlType.values()).map(GgmlType::id).collect(Collectors.toSet()))
                .hasSize(GgmlType.values().length);
    }

    @Test
    void removed_and_unknown_ids_have_no_type() {
        for (long id : new long[] {-1, 4, 5, 31, 32, 33, 36, 37, 38, 43, 64, 1L << 40}) {
            assertThat(GgmlType.byId(id)).as("id %d", id).isNull();
        }
    }

    @Test
    void computes_byte_sizes_of_whole_blocks() {
        assertThat(GgmlType.F16.byteSize(10)).isEqualTo(20);
        assertThat(GgmlType.Q4_K.byteSize(4096L * 4096)).isEqualTo(4096L * 4096 / 256 * 144);
        assertThatThrownBy(() -> GgmlType.Q8_0.byteSize(33)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> GgmlType.F32.byteSize(Long.MAX_VALUE)).isInstanceOf(ArithmeticException.class);
    }
}
