package io.kiban.gguf;

import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A one-shot parser of a GGUF header, metadata and tensor infos that treats the file as hostile.
 *
 * <p>Implementation notes. Every count and length is checked twice before anything is allocated: against a fixed
 * limit ({@link #MAX_STRING_BYTES}, {@link #MAX_ARRAY_ELEMENTS}, {@link #MAX_TENSORS}, {@link #MAX_DIMENSIONS},
 * {@link #MAX_METADATA_ENTRIES}) and against the bytes left in the file, using the smallest size each element
 * could take. So an allocation is never larger than a small multiple of the file size, whatever the bytes say.
 * Errors are {@link GgufException}s whose message is prefixed with the metadata key or tensor index being read.
 */
final class GgufReader {

    static final int MAX_STRING_BYTES = 1 << 20;
    static final long MAX_ARRAY_ELEMENTS = 1L << 24;
    static final long MAX_METADATA_ENTRIES = 1L << 20;
    static final long MAX_TENSORS = 65_536;
    static final int MAX_DIMENSIONS = 8;

    private static final byte[] MAGIC = {'G', 'G', 'U', 'F'};
    /** Smallest metadata entry: empty key (8), type (4), one-byte value (1). */
    private static final long MIN_ENTRY_BYTES = 13;
    /** Smallest tensor info: empty name (8), dimension count (4), one dimension (8), type (4), offset (8). */
    private static final long MIN_TENSOR_INFO_BYTES = 32;

    private final ChannelInput in;
    private final long arrayLimit;

    private GgufReader(ChannelInput in, long arrayLimit) {
        this.in = in;
        this.arrayLimit = arrayLimit;
    }

    static GgufFile read(SeekableByteChannel channel, int arrayLimit) throws IOException {
        return new GgufReader(new ChannelInput(channel), arrayLimit).read();
    }

    private GgufFile read() throws IOException {
        if (in.size() < MAGIC.length) {
            throw new GgufException("not a GGUF file: it has only " + in.size() + " bytes");
        }
        byte[] magic = in.bytes(MAGIC.length, "magic");
        if (!Arrays.equals(magic, MAGIC)) {
            throw new GgufException("not a GGUF file: it starts with " + hex(magic) + " instead of \"GGUF\"", 0);
        }
        int version = in.i32("version");
        checkVersion(version);
        long tensorCount = in.i64("tensor count");
        long entryCount = in.i64("metadata entry count");
        if (Long.compareUnsigned(tensorCount, MAX_TENSORS) > 0) {
            throw new GgufException("tensor count " + Long.toUnsignedString(tensorCount) + " exceeds the limit of "
                    + MAX_TENSORS, 8);
        }
        if (Long.compareUnsigned(entryCount, MAX_METADATA_ENTRIES) > 0) {
            throw new GgufException("metadata entry count " + Long.toUnsignedString(entryCount)
                    + " exceeds the limit of " + MAX_METADATA_ENTRIES, 16);
        }
        in.need(entryCount * MIN_ENTRY_BYTES + tensorCount * MIN_TENSOR_INFO_BYTES,
                entryCount + " metadata entries and " + tensorCount + " tensor infos");

        Map<String, GgufFile.Value> metadata = new LinkedHashMap<>();
        for (int i = 0; i < entryCount; i++) {
            readEntry(i, metadata);
        }
        int alignment = alignment(metadata.get(GgufFile.ALIGNMENT_KEY));

        List<GgufTensorInfo> tensors = new ArrayList<>((int) tensorCount);
        Set<String> names = new HashSet<>();
        for (int i = 0; i < tensorCount; i++) {
            tensors.add(readTensorInfo(i, alignment, names));
        }
        long dataOffset = alignUp(in.position(), alignment);
        checkDataBounds(tensors, dataOffset);
        return new GgufFile(version, metadata, tensors, alignment, dataOffset, in.size());
    }

    private static void checkVersion(int version) throws GgufException {
        if (version == 2 || version == 3) {
            return;
        }
        int swapped = Integer.reverseBytes(version);
        if (swapped >= 1 && swapped <= 3) {
            throw new GgufException("big-endian GGUF file (version field reads 0x" + Integer.toHexString(version)
                    + "); only little-endian files are supported", 4);
        }
        if (version == 1) {
            throw new GgufException("GGUF version 1 is not supported (only versions 2 and 3)", 4);
        }
        throw new GgufException("unsupported GGUF version " + Integer.toUnsignedString(version)
                + " (only versions 2 and 3)", 4);
    }

    private void readEntry(int index, Map<String, GgufFile.Value> metadata) throws IOException {
        String context = "metadata entry #" + index;
        try {
            long start = in.position();
            String key = string("key");
            context = "metadata key '" + printable(key) + "'";
            if (metadata.containsKey(key)) {
                throw new GgufException("duplicate key", start);
            }
            GgufValueType type = valueType("value type");
            metadata.put(key, type == GgufValueType.ARRAY ? array() : new GgufFile.Value(type, null, scalar(type)));
        } catch (GgufException e) {
            throw e.in(context);
        }
    }

    private GgufValueType valueType(String what) throws IOException {
        long at = in.position();
        long id = Integer.toUnsignedLong(in.i32(what));
        GgufValueType type = GgufValueType.byId(id);
        if (type == null) {
            throw new GgufException("unknown " + what + " " + id, at);
        }
        return type;
    }

    private Object scalar(GgufValueType type) throws IOException {
        return switch (type) {
            case FLOAT32, FLOAT64 -> real(type);
            case BOOL -> bool();
            case STRING -> string("string value");
            case ARRAY -> throw new IllegalStateException("arrays are read by array()");
            default -> integer(type);
        };
    }

    private long integer(GgufValueType type) throws IOException {
        return switch (type) {
            case UINT8 -> in.u8("UINT8");
            case INT8 -> (byte) in.u8("INT8");
            case UINT16 -> in.i16("UINT16") & 0xffff;
            case INT16 -> (short) in.i16("INT16");
            case UINT32 -> Integer.toUnsignedLong(in.i32("UINT32"));
            case INT32 -> in.i32("INT32");
            case UINT64, INT64 -> in.i64(type.name());
            default -> throw new IllegalStateException(type + " is not an integer type");
        };
    }

    private double real(GgufValueType type) throws IOException {
        return type == GgufValueType.FLOAT32 ? in.f32("FLOAT32") : in.f64("FLOAT64");
    }

    private boolean bool() throws IOException {
        long at = in.position();
        int b = in.u8("BOOL");
        if (b > 1) {
            throw new GgufException("invalid BOOL value " + b + " (must be 0 or 1)", at);
        }
        return b == 1;
    }

    private String string(String what) throws IOException {
        long at = in.position();
        long length = in.i64(what + " length");
        if (length < 0 || length > MAX_STRING_BYTES) {
            throw new GgufException(what + " length " + Long.toUnsignedString(length) + " exceeds the limit of "
                    + MAX_STRING_BYTES + " bytes", at);
        }
        // Malformed UTF-8 becomes U+FFFD: some vocabularies hold raw byte pieces, and a reader must not choke on them.
        return new String(in.bytes((int) length, what), StandardCharsets.UTF_8);
    }

    private GgufFile.Value array() throws IOException {
        GgufValueType type = valueType("array element type");
        if (type == GgufValueType.ARRAY) {
            throw new GgufException("nested arrays are not supported", in.position() - 4);
        }
        long at = in.position();
        long count = in.i64("array length");
        if (count < 0 || count > MAX_ARRAY_ELEMENTS) {
            throw new GgufException("array length " + Long.toUnsignedString(count) + " exceeds the limit of "
                    + MAX_ARRAY_ELEMENTS + " elements", at);
        }
        in.need(count * type.minSize(), "array of " + count + " " + type);
        int n = (int) count;
        if (count > arrayLimit) {
            skipArray(type, n);
            return new GgufFile.Value(GgufValueType.ARRAY, type, new UnreadArray(type, count));
        }
        int i = 0;
        try {
            List<?> list = switch (type) {
                case FLOAT32, FLOAT64 -> {
                    double[] values = new double[n];
                    for (; i < n; i++) {
                        values[i] = real(type);
                    }
                    yield PrimitiveLists.of(values);
                }
                case BOOL -> {
                    boolean[] values = new boolean[n];
                    for (; i < n; i++) {
                        values[i] = bool();
                    }
                    yield PrimitiveLists.of(values);
                }
                case STRING -> {
                    String[] values = new String[n];
                    for (; i < n; i++) {
                        values[i] = string("string");
                    }
                    yield Arrays.asList(values);
                }
                default -> {
                    long[] values = new long[n];
                    for (; i < n; i++) {
                        values[i] = integer(type);
                    }
                    yield PrimitiveLists.of(values);
                }
            };
            return new GgufFile.Value(GgufValueType.ARRAY, type, java.util.Collections.unmodifiableList(list));
        } catch (GgufException e) {
            throw e.in("element " + i);
        }
    }

    private void skipArray(GgufValueType type, int n) throws IOException {
        if (type.fixedSize()) {
            in.skip((long) n * type.minSize(), "array elements");
            return;
        }
        for (int i = 0; i < n; i++) {
            long at = in.position();
            long length = in.i64("string length");
            if (length < 0 || length > MAX_STRING_BYTES) {
                throw new GgufException("element " + i + ": string length " + Long.toUnsignedString(length)
                        + " exceeds the limit of " + MAX_STRING_BYTES + " bytes", at);
            }
            in.skip(length, "string");
        }
    }

    private static int alignment(GgufFile.Value value) throws GgufException {
        if (value == null) {
            return GgufFile.DEFAULT_ALIGNMENT;
        }
        if (!value.type().isInteger()) {
            throw new GgufException(GgufFile.ALIGNMENT_KEY + " must be an integer, not " + value.type());
        }
        long a = (Long) value.value();
        if (a <= 0 || a > (1 << 30) || Long.bitCount(a) != 1) {
            throw new GgufException(GgufFile.ALIGNMENT_KEY + " must be a power of two up to 2^30, not " + a);
        }
        return (int) a;
    }

    private GgufTensorInfo readTensorInfo(int index, int alignment, Set<String> names) throws IOException {
        String context = "tensor #" + index;
        try {
            long start = in.position();
            String name = string("name");
            context = "tensor #" + index + " '" + printable(name) + "'";
            if (!names.add(name)) {
                throw new GgufException("duplicate tensor name", start);
            }
            long at = in.position();
            int dimensionCount = in.i32("dimension count");
            if (dimensionCount < 1 || dimensionCount > MAX_DIMENSIONS) {
                throw new GgufException("dimension count " + Integer.toUnsignedString(dimensionCount)
                        + " is outside 1.." + MAX_DIMENSIONS, at);
            }
            Long[] dimensions = new Long[dimensionCount];
            long elements = 1;
            for (int d = 0; d < dimensionCount; d++) {
                at = in.position();
                long size = in.i64("dimension");
                if (size < 0) {
                    throw new GgufException("dimension " + d + " is too large: " + Long.toUnsignedString(size), at);
                }
                dimensions[d] = size;
                elements = multiply(elements, size, "element count", at);
            }
            at = in.position();
            long typeId = Integer.toUnsignedLong(in.i32("type"));
            GgmlType type = GgmlType.byId(typeId);
            if (type == null) {
                throw new GgufException("unknown ggml type " + typeId, at);
            }
            if (dimensions[0] % type.blockSize() != 0) {
                throw new GgufException("first dimension " + dimensions[0] + " is not a multiple of the " + type
                        + " block size " + type.blockSize(), at);
            }
            multiply(elements / type.blockSize(), type.typeSize(), "byte size", at);
            at = in.position();
            long offset = in.i64("data offset");
            if (offset < 0 || offset % alignment != 0) {
                throw new GgufException("data offset " + Long.toUnsignedString(offset)
                        + " is not a non-negative multiple of the alignment " + alignment, at);
            }
            return new GgufTensorInfo(name, Arrays.asList(dimensions), type, offset);
        } catch (GgufException e) {
            throw e.in(context);
        }
    }

    private void checkDataBounds(List<GgufTensorInfo> tensors, long dataOffset) throws GgufException {
        long available = in.size() - dataOffset;
        for (int i = 0; i < tensors.size(); i++) {
            GgufTensorInfo t = tensors.get(i);
            long bytes = t.byteSize();
            if (t.offset() > available || bytes > available - t.offset()) {
                throw new GgufException("tensor #" + i + " '" + printable(t.name()) + "': data at ["
                        + (dataOffset + t.offset()) + ", " + (dataOffset + t.offset() + bytes)
                        + ") extends past the end of the file (" + in.size() + " bytes)");
            }
        }
    }

    private static long multiply(long a, long b, String what, long at) throws GgufException {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw new GgufException(what + " overflows 64 bits", at);
        }
    }

    static long alignUp(long position, int alignment) {
        return (position + alignment - 1) / alignment * alignment;
    }

    /** The text for an error message: control characters replaced, at most 80 characters. */
    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().limit(80).forEach(c -> b.appendCodePoint(Character.isISOControl(c) ? '?' : c));
        return s.codePointCount(0, s.length()) > 80 ? b + "…" : b.toString();
    }

    private static String hex(byte[] bytes) {
        return "0x" + HexFormat.of().formatHex(bytes);
    }
}
