package io.kiban.gguf;

import de.kherud.llama.LlamaModel;
import de.kherud.llama.ModelParameters;
import de.kherud.llama.args.PoolingType;

/** Loads a model for mean-pooled embeddings in its own JVM, because in de.kherud:llama 4.2.0 that aborts the process. */
public final class MeanPoolingProbe {

    static final String SUCCESS = "mean pooling works";

    private MeanPoolingProbe() {
    }

    public static void main(String[] args) {
        try (LlamaModel m = new LlamaModel(new ModelParameters().setModel(args[0]).setGpuLayers(0).setCtxSize(512)
                .enableEmbedding().setPoolingType(PoolingType.MEAN))) {
            System.out.println(SUCCESS + ": " + m.embed("hello").length + " dimensions");
        }
        System.exit(0);
    }
}
