package io.kiban.gguf;

/**
 * A metadata array that the reader skipped instead of materialising, because it was longer than the caller's
 * {@linkplain GgufFile#read(java.nio.file.Path, int) array limit}; only its element type and length are kept.
 *
 * <p>A 150,000-token vocabulary is three arrays of 150,000 elements; a caller that only shows a model's size and
 * context length has no use for them.
 *
 * @param elementType the type of the elements
 * @param length the number of elements
 */
public record UnreadArray(GgufValueType elementType, long length) {
}
