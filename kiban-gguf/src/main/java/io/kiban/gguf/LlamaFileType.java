package io.kiban.gguf;

/**
 * A llama.cpp model file type: the quantization mix recorded in {@code general.file_type}, numbered as
 * {@code enum llama_ftype} in llama.h.
 *
 * <p>The constant names are the usual labels (llama.cpp's {@code LLAMA_FTYPE_MOSTLY_Q4_K_M} is {@link #Q4_K_M}).
 * A file type says what most of the large tensors are; 1-D tensors stay F32 and some files keep embeddings or the
 * output matrix at higher precision. Ids 4 and 33–35 were removed from llama.cpp but are still named here so that
 * old files get a label; 5 and 6 were never written to GGUF files.
 */
public enum LlamaFileType {
    F32(0),
    F16(1),
    Q4_0(2),
    Q4_1(3),
    Q4_1_SOME_F16(4),
    Q8_0(7),
    Q5_0(8),
    Q5_1(9),
    Q2_K(10),
    Q3_K_S(11),
    Q3_K_M(12),
    Q3_K_L(13),
    Q4_K_S(14),
    Q4_K_M(15),
    Q5_K_S(16),
    Q5_K_M(17),
    Q6_K(18),
    IQ2_XXS(19),
    IQ2_XS(20),
    Q2_K_S(21),
    IQ3_XS(22),
    IQ3_XXS(23),
    IQ1_S(24),
    IQ4_NL(25),
    IQ3_S(26),
    IQ3_M(27),
    IQ2_S(28),
    IQ2_M(29),
    IQ4_XS(30),
    IQ1_M(31),
    BF16(32),
    Q4_0_4_4(33),
    Q4_0_4_8(34),
    Q4_0_8_8(35),
    TQ1_0(36),
    TQ2_0(37),
    MXFP4_MOE(38),
    NVFP4(39),
    Q1_0(40);

    /**
     * llama.cpp's {@code LLAMA_FTYPE_GUESSED}: the quantizer could not name the mix. Not a constant here, because
     * the label then has to come from the tensors.
     */
    public static final int GUESSED = 1024;

    private final int id;

    LlamaFileType(int id) {
        this.id = id;
    }

    /** The file type with this {@code general.file_type} value, or null if unknown (including {@link #GUESSED}). */
    public static LlamaFileType byId(long id) {
        for (LlamaFileType t : values()) {
            if (t.id == id) {
                return t;
            }
        }
        return null;
    }

    /** The value stored in {@code general.file_type}. */
    public int id() {
        return id;
    }
}
