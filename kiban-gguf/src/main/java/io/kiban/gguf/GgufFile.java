package io.kiban.gguf;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An immutable view of a GGUF file's header: version, typed metadata and tensor infos, never the tensor data.
 *
 * <p>Reading is safe on untrusted files: every count and length is checked against limits (strings up to 1 MiB,
 * metadata arrays up to 2^24 elements, up to 65,536 tensors of 1 to 8 dimensions, up to 2^20 metadata entries) and
 * against the file size, and each tensor's data must lie inside the file. Anything else gives a
 * {@link GgufException} naming the key or tensor and the byte offset. Only little-endian files of GGUF versions 2
 * and 3 are read.
 *
 * <p>Metadata values are typed as described in {@link GgufValueType}; the accessors below return null when a key is
 * absent or holds a value of the wrong type, so that a slightly odd file still shows what it can.
 */
public final class GgufFile {

    /** The alignment of tensor data when a file does not set {@value #ALIGNMENT_KEY}. */
    public static final int DEFAULT_ALIGNMENT = 32;
    /** The metadata key that sets the alignment of tensor data. */
    public static final String ALIGNMENT_KEY = "general.alignment";
    /** The longest array {@link #read(Path)} materialises (the hard limit: longer arrays are an error). */
    public static final int MAX_ARRAY_ELEMENTS = (int) GgufReader.MAX_ARRAY_ELEMENTS;

    /** The BPE pre-tokenizer names for which llama.cpp turns {@code add_bos} on by default. */
    private static final Set<String> BPE_PRE_TOKENIZERS_WITH_BOS = Set.of(
            "llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2", "jina-v5-nano",
            "tekken", "chameleon");

    /** A metadata value with its type tags; {@code elementType} is null unless {@code type} is ARRAY. */
    record Value(GgufValueType type, GgufValueType elementType, Object value) {
    }

    private final int version;
    private final Map<String, Value> entries;
    private final Map<String, Object> metadata;
    private final List<GgufTensorInfo> tensors;
    private final Map<String, GgufTensorInfo> tensorsByName = new HashMap<>();
    private final int alignment;
    private final long dataOffset;
    private final long fileSize;

    GgufFile(int version, Map<String, Value> entries, List<GgufTensorInfo> tensors, int alignment, long dataOffset,
            long fileSize) {
        this.version = version;
        this.entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
        Map<String, Object> values = new LinkedHashMap<>();
        entries.forEach((k, v) -> values.put(k, v.value()));
        this.metadata = Collections.unmodifiableMap(values);
        this.tensors = List.copyOf(tensors);
        tensors.forEach(t -> tensorsByName.put(t.name(), t));
        this.alignment = alignment;
        this.dataOffset = dataOffset;
        this.fileSize = fileSize;
    }

    /** Reads the header of a file, materialising every metadata array. */
    public static GgufFile read(Path file) throws IOException {
        return read(file, MAX_ARRAY_ELEMENTS);
    }

    /**
     * Reads the header of a file, leaving metadata arrays longer than {@code arrayLimit} unread: their value is an
     * {@link UnreadArray} with the element type and length. {@code read(file, 0)} reads no array at all.
     */
    public static GgufFile read(Path file, int arrayLimit) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return read(channel, arrayLimit);
        }
    }

    /** Reads the header from the start of a channel, as {@link #read(Path, int)} does; the channel is left open. */
    public static GgufFile read(SeekableByteChannel channel, int arrayLimit) throws IOException {
        if (arrayLimit < 0) {
            throw new IllegalArgumentException("arrayLimit must not be negative: " + arrayLimit);
        }
        return GgufReader.read(channel, arrayLimit);
    }

    /** The GGUF format version: 2 or 3. */
    public int version() {
        return version;
    }

    /** All metadata in file order: key to Long, Double, Boolean, String, List or {@link UnreadArray}. */
    public Map<String, Object> metadata() {
        return metadata;
    }

    /** The type tag of a metadata value, or null if the key is absent. */
    public GgufValueType metadataType(String key) {
        Value v = entries.get(key);
        return v == null ? null : v.type();
    }

    /** The element type of a metadata array, or null if the key is absent or not an array. */
    public GgufValueType arrayElementType(String key) {
        Value v = entries.get(key);
        return v == null ? null : v.elementType();
    }

    /** The length of a metadata array, read or unread, or -1 if the key is absent or not an array. */
    public long arrayLength(String key) {
        return switch (metadata.get(key)) {
            case List<?> list -> list.size();
            case UnreadArray unread -> unread.length();
            case null, default -> -1;
        };
    }

    /** A string value, or null if absent or not a string. */
    public String getString(String key) {
        return metadata.get(key) instanceof String s ? s : null;
    }

    /** An integer value, or null if absent or not an integer. */
    public Long getLong(String key) {
        return metadata.get(key) instanceof Long l ? l : null;
    }

    /** A boolean value, or null if absent or not a boolean. */
    public Boolean getBoolean(String key) {
        return metadata.get(key) instanceof Boolean b ? b : null;
    }

    /** The tensor infos in file order. */
    public List<GgufTensorInfo> tensors() {
        return tensors;
    }

    /** The tensor with this name, or null. */
    public GgufTensorInfo tensor(String name) {
        return tensorsByName.get(name);
    }

    /** The alignment of tensor data in bytes: {@value #ALIGNMENT_KEY}, or 32. */
    public int alignment() {
        return alignment;
    }

    /** The byte offset of the data section from the start of the file; tensor offsets are relative to it. */
    public long dataOffset() {
        return dataOffset;
    }

    /** The size of the file in bytes. */
    public long fileSize() {
        return fileSize;
    }

    // --- Convenience accessors for model files -------------------------------------------------------------------

    /** {@code general.architecture}, e.g. {@code llama}; null if absent (the file is then not a model). */
    public String architecture() {
        return getString("general.architecture");
    }

    /** {@code general.name}, or null. */
    public String name() {
        return getString("general.name");
    }

    /** The training context length in tokens ({@code <arch>.context_length}), or null. */
    public Long contextLength() {
        return architectureLong("context_length");
    }

    /** The width of the hidden state ({@code <arch>.embedding_length}), or null. */
    public Long embeddingLength() {
        return architectureLong("embedding_length");
    }

    /** The number of transformer layers ({@code <arch>.block_count}), or null. */
    public Long blockCount() {
        return architectureLong("block_count");
    }

    /**
     * The pooling type of an embedding model ({@code <arch>.pooling_type}, llama.cpp's {@code llama_pooling_type}:
     * 0 none, 1 mean, 2 CLS, 3 last, 4 rank), or null if the file does not say.
     */
    public Integer poolingType() {
        Long v = architectureLong("pooling_type");
        return v == null ? null : v.intValue();
    }

    /** The number of tokens in the vocabulary: the length of {@code tokenizer.ggml.tokens}, or -1. */
    public long vocabSize() {
        return arrayLength("tokenizer.ggml.tokens");
    }

    /** The number of parameters: the sum of all tensors' element counts. */
    public long parameterCount() {
        long n = 0;
        for (GgufTensorInfo t : tensors) {
            n += t.elementCount();
        }
        return n;
    }

    /**
     * A short label for the quantization, e.g. {@code F16}, {@code Q8_0} or {@code Q4_K_M}: the {@link LlamaFileType}
     * named by {@code general.file_type}, or else the {@link GgmlType} that holds the most elements; null for a file
     * with neither.
     */
    public String quantization() {
        Long fileType = getLong("general.file_type");
        LlamaFileType known = fileType == null ? null : LlamaFileType.byId(fileType);
        if (known != null) {
            return known.name();
        }
        Map<GgmlType, Long> elements = new EnumMap<>(GgmlType.class);
        for (GgufTensorInfo t : tensors) {
            elements.merge(t.type(), t.elementCount(), Long::sum);
        }
        return elements.entrySet().stream()
                .max(Map.Entry.comparingByValue())
                .map(e -> e.getKey().name())
                .orElse(null);
    }

    /** The Jinja chat template ({@code tokenizer.chat_template}), if the file has one. */
    public Optional<String> chatTemplate() {
        return Optional.ofNullable(getString("tokenizer.chat_template"));
    }

    /** The tokenizer family ({@code tokenizer.ggml.model}): {@code llama} (SentencePiece), {@code gpt2} (BPE)… */
    public String tokenizerModel() {
        return getString("tokenizer.ggml.model");
    }

    /** {@code tokenizer.ggml.bos_token_id}, or null. */
    public Integer bosTokenId() {
        return tokenId("tokenizer.ggml.bos_token_id");
    }

    /** {@code tokenizer.ggml.eos_token_id}, or null. */
    public Integer eosTokenId() {
        return tokenId("tokenizer.ggml.eos_token_id");
    }

    /**
     * Whether llama.cpp puts the BOS token in front of a tokenized prompt: {@code tokenizer.ggml.add_bos_token} if
     * present, otherwise llama.cpp's default for the tokenizer (llama-vocab.cpp): true for SentencePiece
     * ({@code llama}) and WordPiece ({@code bert}) vocabularies and for the BPE pre-tokenizers that llama.cpp marks
     * so (Llama 3's and a few others), false for the rest.
     */
    public boolean addBosToken() {
        Boolean explicit = getBoolean("tokenizer.ggml.add_bos_token");
        if (explicit != null) {
            return explicit;
        }
        String model = tokenizerModel();
        if ("llama".equals(model) || "bert".equals(model)) {
            return true;
        }
        String pre = getString("tokenizer.ggml.pre");
        return "gpt2".equals(model) && pre != null && BPE_PRE_TOKENIZERS_WITH_BOS.contains(pre);
    }

    private Long architectureLong(String suffix) {
        String arch = architecture();
        return arch == null ? null : getLong(arch + "." + suffix);
    }

    private Integer tokenId(String key) {
        Long v = getLong(key);
        return v == null || v < 0 || v > Integer.MAX_VALUE ? null : v.intValue();
    }

    @Override
    public String toString() {
        return "GgufFile[v" + version + ", " + architecture() + ", " + metadata.size() + " keys, " + tensors.size()
                + " tensors]";
    }
}
