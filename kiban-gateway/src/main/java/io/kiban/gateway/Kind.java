package io.kiban.gateway;

/** The kinds of model call the gateway relays, with their path under a runtime's base URL. */
public enum Kind {
    CHAT("chat", "/chat/completions"),
    COMPLETION("completion", "/completions"),
    EMBEDDING("embedding", "/embeddings");

    public final String label;
    public final String suffix;

    Kind(String label, String suffix) {
        this.label = label;
        this.suffix = suffix;
    }

    /** The kind for a gateway path such as {@code /v1/chat/completions}, or null. */
    public static Kind ofPath(String path) {
        return switch (path) {
            case "/v1/chat/completions" -> CHAT;
            case "/v1/completions" -> COMPLETION;
            case "/v1/embeddings" -> EMBEDDING;
            default -> null;
        };
    }
}
