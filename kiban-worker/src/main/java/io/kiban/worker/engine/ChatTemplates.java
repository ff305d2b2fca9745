package io.kiban.worker.engine;

import java.util.List;

/**
 * The chat templates Kiban renders itself, for models whose GGUF file carries none (or when the operator asks).
 *
 * <ul>
 *   <li>{@code plain}: the message contents in order, separated by a blank line, with no role markers. Most GGUF
 *       files without a template are base models (such as TinyStories), which continue text; role markers they
 *       never saw in training would only add noise.
 *   <li>{@code chatml}: {@code <|im_start|>role\ncontent<|im_end|>\n} per message, then
 *       {@code <|im_start|>assistant\n} (llama.cpp's own fallback).
 * </ul>
 */
public final class ChatTemplates {
    private ChatTemplates() {}

    public static String plain(List<Engine.ChatTurn> messages) {
        StringBuilder sb = new StringBuilder();
        for (Engine.ChatTurn m : messages) {
            if (m.content().isEmpty()) {
                continue;
            }
            if (!sb.isEmpty()) {
                sb.append("\n\n");
            }
            sb.append(m.content());
        }
        return sb.toString();
    }

    public static String chatml(List<Engine.ChatTurn> messages) {
        StringBuilder sb = new StringBuilder();
        for (Engine.ChatTurn m : messages) {
            sb.append("<|im_start|>").append(m.role()).append('\n').append(m.content()).append("<|im_end|>\n");
        }
        return sb.append("<|im_start|>assistant\n").toString();
    }
}
