package io.kiban.worker;

import io.kiban.api.Usage;
import java.util.List;

/** How one endpoint (chat or legacy completions) renders generated text, streamed and whole. */
interface Shape {
    byte[] piece(int choice, String text, boolean first);

    byte[] finish(int choice, String finishReason);

    byte[] usage(Usage usage);

    Object whole(List<Choice> choices, Usage usage);

    record Choice(String text, String finishReason) {}
}
