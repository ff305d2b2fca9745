package io.kiban.gguf;

/**
 * The type tag of a GGUF metadata value ({@code enum gguf_type}), with the Java type a value of it is read as.
 *
 * <p>All integer types are read as {@link Long} ({@code UINT64} values above {@link Long#MAX_VALUE} keep their bit
 * pattern: use {@link Long#toUnsignedString(long)}), both float types as {@link Double}, {@code BOOL} as
 * {@link Boolean}, {@code STRING} as {@link String} and {@code ARRAY} as an unmodifiable {@link java.util.List} of
 * those (or an {@link UnreadArray} when the reader was asked to leave long arrays unread).
 */
public enum GgufValueType {
    UINT8(0, 1),
    INT8(1, 1),
    UINT16(2, 2),
    INT16(3, 2),
    UINT32(4, 4),
    INT32(5, 4),
    FLOAT32(6, 4),
    BOOL(7, 1),
    /** A length-prefixed UTF-8 string: 8 bytes of length, then the bytes. */
    STRING(8, 8),
    /** An element type, an 8-byte count, then the elements. */
    ARRAY(9, 12),
    UINT64(10, 8),
    INT64(11, 8),
    FLOAT64(12, 8);

    private static final GgufValueType[] BY_ID = values();

    private final int id;
    private final int minSize;

    GgufValueType(int id, int minSize) {
        this.id = id;
        this.minSize = minSize;
    }

    /** The type with this id, or null if the id is not a GGUF value type. */
    public static GgufValueType byId(long id) {
        // BY_ID is in id order: the ids are 0..12 without gaps.
        return id >= 0 && id < BY_ID.length ? BY_ID[(int) id] : null;
    }

    /** The numeric tag written in the file. */
    public int id() {
        return id;
    }

    /** The fewest bytes a value of this type can take in a file (its exact size for fixed-size types). */
    int minSize() {
        return minSize;
    }

    /** Whether this is one of the eight integer types. */
    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }

    /** Whether values have a fixed size in the file (everything but strings and arrays). */
    boolean fixedSize() {
        return this != STRING && this != ARRAY;
    }
}
