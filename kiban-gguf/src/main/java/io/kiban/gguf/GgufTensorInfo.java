package io.kiban.gguf;

import java.util.List;

/**
 * The description of one tensor in a GGUF file: where its data is and how big it is, not the data itself.
 *
 * @param name the tensor name, e.g. {@code blk.0.attn_q.weight}
 * @param dimensions the sizes of its dimensions, fastest-varying first (ggml's {@code ne}): a matrix with
 *     {@code rows} rows of {@code cols} elements is {@code [cols, rows]}
 * @param type the element type
 * @param offset the byte offset of its data from the start of the file's data section
 *     ({@link GgufFile#dataOffset()}), a multiple of the file's alignment
 */
public record GgufTensorInfo(String name, List<Long> dimensions, GgmlType type, long offset) {

    public GgufTensorInfo {
        dimensions = List.copyOf(dimensions);
    }

    /** The number of elements: the product of the dimensions. */
    public long elementCount() {
        long n = 1;
        for (long d : dimensions) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** The number of bytes of its data. */
    public long byteSize() {
        return type.byteSize(elementCount());
    }
}
