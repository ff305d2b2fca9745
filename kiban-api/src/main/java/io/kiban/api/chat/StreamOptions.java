package io.kiban.api.chat;

/** Options for streamed responses; {@code include_usage} adds a final chunk with token usage. */
public record StreamOptions(Boolean includeUsage) {
    public boolean usage() {
        return Boolean.TRUE.equals(includeUsage);
    }
}
