package io.kiban.control.model;

import io.kiban.gguf.GgufFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What Kiban knows about a GGUF model file, read once from its header: shown by {@code GET /v1/models}.
 *
 * @param parameters total weights, or null when unknown
 * @param contextLength the model's trained context, or null
 */
public record ModelFile(Path path, long sizeBytes, String architecture, Long parameters, String quantization,
        Integer contextLength, boolean hasChatTemplate) {

    /** Reads the header; a file that is missing or not GGUF gives an exception that says so. */
    public static ModelFile read(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new IOException("no such model file: " + path);
        }
        GgufFile gguf;
        try {
            gguf = GgufFile.read(path);
        } catch (IOException e) {
            throw new IOException(path + " is not a readable GGUF model: " + e.getMessage(), e);
        }
        Long ctx = gguf.contextLength();
        return new ModelFile(path, Files.size(path), gguf.architecture(), gguf.parameterCount(), gguf.quantization(),
                ctx == null ? null : (int) Math.min(Integer.MAX_VALUE, ctx), gguf.chatTemplate().isPresent());
    }
}
