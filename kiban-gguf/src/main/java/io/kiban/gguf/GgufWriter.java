package io.kiban.gguf;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A builder of GGUF version 3 files: typed metadata of every value type, then tensors with their data, aligned to
 * {@value GgufFile#ALIGNMENT_KEY} (32 bytes unless that key is set).
 *
 * <p>Everything is held in memory until {@link #write}: it is meant for small files (test models, fixtures), not
 * for converting real models. Metadata keys and tensors are written in the order they were added.
 */
public final class GgufWriter {

    private record Tensor(String name, GgmlType type, long[] dimensions, byte[] data) {
    }

    private final Map<String, GgufFile.Value> metadata = new LinkedHashMap<>();
    private final List<Tensor> tensors = new ArrayList<>();

    /** Adds a {@code STRING} value. */
    public GgufWriter putString(String key, String value) {
        return put(key, GgufValueType.STRING, value);
    }

    /** Adds a {@code BOOL} value. */
    public GgufWriter putBoolean(String key, boolean value) {
        return put(key, GgufValueType.BOOL, value);
    }

    /** Adds a {@code UINT32} value (0 to 2^32-1). */
    public GgufWriter putUint32(String key, long value) {
        return put(key, GgufValueType.UINT32, value);
    }

    /** Adds an {@code INT32} value. */
    public GgufWriter putInt32(String key, int value) {
        return put(key, GgufValueType.INT32, value);
    }

    /** Adds a {@code FLOAT32} value. */
    public GgufWriter putFloat32(String key, float value) {
        return put(key, GgufValueType.FLOAT32, value);
    }

    /**
     * Adds a value of any non-array type: a {@link Long}, {@link Integer}, {@link Short} or {@link Byte} in range for
     * the integer types ({@code UINT64} takes any long, written as its bit pattern), any {@link Number} for the float
     * types, a {@link Boolean} or a {@link String}.
     *
     * @throws IllegalArgumentException if the key is taken, or the value does not fit the type
     */
    public GgufWriter put(String key, GgufValueType type, Object value) {
        if (type == GgufValueType.ARRAY) {
            throw new IllegalArgumentException("use putArray for arrays");
        }
        return add(key, new GgufFile.Value(type, null, check(type, value, key)));
    }

    /**
     * Adds an array whose elements all have {@code elementType} (any type but ARRAY), with the same rules for the
     * elements as {@link #put}.
     */
    public GgufWriter putArray(String key, GgufValueType elementType, List<?> values) {
        if (elementType == GgufValueType.ARRAY) {
            throw new IllegalArgumentException("nested arrays are not supported: " + key);
        }
        List<Object> checked = new ArrayList<>(values.size());
        for (Object v : values) {
            checked.add(check(elementType, v, key));
        }
        return add(key, new GgufFile.Value(GgufValueType.ARRAY, elementType, List.copyOf(checked)));
    }

    /** Adds an F32 tensor. */
    public GgufWriter addTensor(String name, long[] dimensions, float[] data) {
        return addTensor(name, GgmlType.F32, dimensions, data);
    }

    /**
     * Adds a tensor from float values, stored as {@link GgmlType#F32} or {@link GgmlType#F16}.
     *
     * @param dimensions fastest-varying first: a matrix of {@code rows} rows of {@code cols} is {@code {cols, rows}}
     * @param data the elements in storage order, as many as the dimensions multiply to
     */
    public GgufWriter addTensor(String name, GgmlType type, long[] dimensions, float[] data) {
        if (type != GgmlType.F32 && type != GgmlType.F16) {
            throw new IllegalArgumentException("only F32 and F16 tensors can be written from floats, not " + type);
        }
        checkShape(name, dimensions, data.length);
        ByteBuffer bytes = ByteBuffer.allocate(data.length * (type == GgmlType.F32 ? 4 : 2))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (float f : data) {
            if (type == GgmlType.F32) {
                bytes.putFloat(f);
            } else {
                bytes.putShort(Float.floatToFloat16(f));
            }
        }
        return addTensor(name, type, dimensions, bytes.array());
    }

    /** Adds a tensor of any type from its raw little-endian bytes, which must be exactly its size. */
    public GgufWriter addTensor(String name, GgmlType type, long[] dimensions, byte[] data) {
        Objects.requireNonNull(name, "name");
        if (dimensions.length < 1 || dimensions.length > GgufReader.MAX_DIMENSIONS) {
            throw new IllegalArgumentException(name + ": 1 to " + GgufReader.MAX_DIMENSIONS + " dimensions, not "
                    + dimensions.length);
        }
        long elements = 1;
        for (long d : dimensions) {
            if (d < 0) {
                throw new IllegalArgumentException(name + ": negative dimension " + d);
            }
            elements = Math.multiplyExact(elements, d);
        }
        if (dimensions[0] % type.blockSize() != 0 || type.byteSize(elements) != data.length) {
            throw new IllegalArgumentException(name + ": " + data.length + " bytes do not hold "
                    + Arrays.toString(dimensions) + " " + type + " elements");
        }
        for (Tensor t : tensors) {
            if (t.name().equals(name)) {
                throw new IllegalArgumentException("duplicate tensor " + name);
            }
        }
        tensors.add(new Tensor(name, type, dimensions.clone(), data.clone()));
        return this;
    }

    /** Writes the file, replacing any file at that path. */
    public void write(Path file) throws IOException {
        try (OutputStream out = Files.newOutputStream(file)) {
            write(out);
        }
    }

    /** Writes the file to a stream, which is flushed but left open. */
    public void write(OutputStream stream) throws IOException {
        int alignment = alignment();
        Output out = new Output(new BufferedOutputStream(stream, 1 << 16));
        out.bytes(new byte[] {'G', 'G', 'U', 'F'});
        out.i32(3);
        out.i64(tensors.size());
        out.i64(metadata.size());
        for (Map.Entry<String, GgufFile.Value> e : metadata.entrySet()) {
            out.string(e.getKey());
            GgufFile.Value v = e.getValue();
            out.i32(v.type().id());
            if (v.type() == GgufValueType.ARRAY) {
                List<?> list = (List<?>) v.value();
                out.i32(v.elementType().id());
                out.i64(list.size());
                for (Object element : list) {
                    out.value(v.elementType(), element);
                }
            } else {
                out.value(v.type(), v.value());
            }
        }
        long offset = 0;
        for (Tensor t : tensors) {
            out.string(t.name());
            out.i32(t.dimensions().length);
            for (long d : t.dimensions()) {
                out.i64(d);
            }
            out.i32(t.type().id());
            out.i64(offset);
            offset = GgufReader.alignUp(offset + t.data().length, alignment);
        }
        if (!tensors.isEmpty()) {
            out.pad(alignment);
            for (Tensor t : tensors) {
                out.bytes(t.data());
                out.pad(alignment);
            }
        }
        out.flush();
    }

    private GgufWriter add(String key, GgufFile.Value value) {
        Objects.requireNonNull(key, "key");
        if (metadata.putIfAbsent(key, value) != null) {
            throw new IllegalArgumentException("duplicate metadata key " + key);
        }
        if (key.equals(GgufFile.ALIGNMENT_KEY)) {
            Object a = value.value();
            if (!(a instanceof Long l) || l <= 0 || l > (1 << 30) || Long.bitCount(l) != 1) {
                metadata.remove(key);
                throw new IllegalArgumentException(key + " must be an integer power of two, not " + a);
            }
        }
        return this;
    }

    private int alignment() {
        GgufFile.Value a = metadata.get(GgufFile.ALIGNMENT_KEY);
        return a == null ? GgufFile.DEFAULT_ALIGNMENT : ((Long) a.value()).intValue();
    }

    private static void checkShape(String name, long[] dimensions, int length) {
        long elements = 1;
        for (long d : dimensions) {
            elements = Math.multiplyExact(elements, d);
        }
        if (elements != length) {
            throw new IllegalArgumentException(name + ": " + length + " values for dimensions "
                    + Arrays.toString(dimensions));
        }
    }

    /** The value in its stored Java form (Long, Double, Boolean, String), or an exception saying why it does not fit. */
    private static Object check(GgufValueType type, Object value, String key) {
        Objects.requireNonNull(value, () -> "null value for " + key);
        Object stored = switch (type) {
            case STRING -> value instanceof String ? value : null;
            case BOOL -> value instanceof Boolean ? value : null;
            case FLOAT32 -> value instanceof Number n ? (double) n.floatValue() : null;
            case FLOAT64 -> value instanceof Number n ? n.doubleValue() : null;
            case ARRAY -> null;
            default -> value instanceof Long || value instanceof Integer || value instanceof Short
                    || value instanceof Byte ? inRange(type, ((Number) value).longValue()) : null;
        };
        if (stored == null) {
            throw new IllegalArgumentException(key + ": " + value + " (" + value.getClass().getSimpleName()
                    + ") is not a valid " + type);
        }
        return stored;
    }

    private static Long inRange(GgufValueType type, long v) {
        boolean ok = switch (type) {
            case UINT8 -> v >= 0 && v <= 0xff;
            case INT8 -> v >= Byte.MIN_VALUE && v <= Byte.MAX_VALUE;
            case UINT16 -> v >= 0 && v <= 0xffff;
            case INT16 -> v >= Short.MIN_VALUE && v <= Short.MAX_VALUE;
            case UINT32 -> v >= 0 && v <= 0xffff_ffffL;
            case INT32 -> v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE;
            default -> true;
        };
        return ok ? v : null;
    }

    /** A little-endian output that counts what it wrote, for padding. */
    private static final class Output {
        private final OutputStream out;
        private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        private long written;

        Output(OutputStream out) {
            this.out = out;
        }

        void bytes(byte[] b) throws IOException {
            out.write(b);
            written += b.length;
        }

        void i32(int v) throws IOException {
            out.write(scratch.clear().putInt(v).array(), 0, 4);
            written += 4;
        }

        void i64(long v) throws IOException {
            out.write(scratch.clear().putLong(v).array(), 0, 8);
            written += 8;
        }

        void string(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            bytes(b);
        }

        void value(GgufValueType type, Object v) throws IOException {
            switch (type) {
                case UINT8, INT8 -> bytes(new byte[] {((Long) v).byteValue()});
                case BOOL -> bytes(new byte[] {(byte) ((Boolean) v ? 1 : 0)});
                case UINT16, INT16 -> {
                    out.write(scratch.clear().putShort(((Long) v).shortValue()).array(), 0, 2);
                    written += 2;
                }
                case UINT32, INT32 -> i32(((Long) v).intValue());
                case UINT64, INT64 -> i64((Long) v);
                case FLOAT32 -> i32(Float.floatToRawIntBits(((Double) v).floatValue()));
                case FLOAT64 -> i64(Double.doubleToRawLongBits((Double) v));
                case STRING -> string((String) v);
                case ARRAY -> throw new IllegalStateException("nested array");
            }
        }

        void pad(int alignment) throws IOException {
            long padding = GgufReader.alignUp(written, alignment) - written;
            bytes(new byte[(int) padding]);
        }

        void flush() throws IOException {
            out.flush();
        }
    }
}
