package io.kiban.gguf;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class LlamaFileTypeTest {

    @ParameterizedTest(name = "general.file_type {0} is {1}")
    @CsvSource({
        "0, F32", "1, F16", "2, Q4_0", "3, Q4_1", "7, Q8_0", "8, Q5_0", "9, Q5_1", "10, Q2_K", "11, Q3_K_S",
        "12, Q3_K_M", "13, Q3_K_L", "14, Q4_K_S", "15, Q4_K_M", "16, Q5_K_S", "17, Q5_K_M", "18, Q6_K",
        "19, IQ2_XXS", "20, IQ2_XS", "21, Q2_K_S", "22, IQ3_XS", "23, IQ3_XXS", "24, IQ1_S", "25, IQ4_NL",
        "26, IQ3_S", "27, IQ3_M", "28, IQ2_S", "29, IQ2_M", "30, IQ4_XS", "31, IQ1_M", "32, BF16", "36, TQ1_0",
        "37, TQ2_0", "38, MXFP4_MOE"})
    void labels_the_file_type_as_llama_cpp_numbers_it(int fileType, String label) throws IOException {
        assertThat(LlamaFileType.byId(fileType).name()).isEqualTo(label);
        assertThat(read(new GgufWriter().putUint32("general.file_type", fileType)).quantization()).isEqualTo(label);
    }

    @ParameterizedTest(name = "general.file_type {0} falls back to the tensors")
    @ValueSource(ints = {5, 6, 99, LlamaFileType.GUESSED})
    void falls_back_to_the_type_holding_most_elements_when_the_file_type_is_unknown(int fileType)
            throws IOException {
        GgufWriter w = new GgufWriter().putUint32("general.file_type", fileType);
        addMixOfTypes(w);
        assertThat(LlamaFileType.byId(fileType)).isNull();
        assertThat(read(w).quantization()).isEqualTo("Q4_K");
    }

    @Test
    void falls_back_to_the_tensors_without_a_file_type() throws IOException {
        GgufWriter w = new GgufWriter();
        addMixOfTypes(w);
        assertThat(read(w).quantization()).isEqualTo("Q4_K");
    }

    @Test
    void has_no_label_without_file_type_or_tensors() throws IOException {
        assertThat(read(new GgufWriter().putString("general.architecture", "llama")).quantization()).isNull();
    }

    /** More F32 tensors than Q4_K ones, but fewer F32 elements. */
    private static void addMixOfTypes(GgufWriter w) {
        w.addTensor("a", new long[] {4}, new float[4]);
        w.addTensor("b", new long[] {4}, new float[4]);
        w.addTensor("c", GgmlType.Q4_K, new long[] {256}, new byte[144]);
    }

    static GgufFile read(GgufWriter writer) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        writer.write(out);
        return GgufFile.read(new ByteArrayChannel(out.toByteArray()), GgufFile.MAX_ARRAY_ELEMENTS);
    }
}
