package io.kiban.worker;

import io.kiban.api.Json;
import io.kiban.api.Usage;
import io.kiban.api.chat.ChatCompletion;
import io.kiban.api.chat.ChatCompletionChunk;
import java.util.ArrayList;
import java.util.List;

/** Chat completions: {@code chat.completion} and {@code chat.completion.chunk} objects. */
final class ChatShape implements Shape {
    private final String id;
    private final long created;
    private final String model;

    ChatShape(String id, long created, String model) {
        this.id = id;
        this.created = created;
        this.model = model;
    }

    @Override
    public byte[] piece(int choice, String text, boolean first) {
        var delta = new ChatCompletionChunk.Delta(first ? "assistant" : null, text);
        return chunk(List.of(new ChatCompletionChunk.Choice(choice, delta, null)), null);
    }

    @Override
    public byte[] finish(int choice, String finishReason) {
        var delta = new ChatCompletionChunk.Delta(null, null);
        return chunk(List.of(new ChatCompletionChunk.Choice(choice, delta, finishReason)), null);
    }

    @Override
    public byte[] usage(Usage usage) {
        return chunk(List.of(), usage);
    }

    private byte[] chunk(List<ChatCompletionChunk.Choice> choices, Usage usage) {
        return Json.write(new ChatCompletionChunk(id, created, model, choices, usage));
    }

    @Override
    public Object whole(List<Choice> choices, Usage usage) {
        List<ChatCompletion.Choice> out = new ArrayList<>(choices.size());
        for (int i = 0; i < choices.size(); i++) {
            out.add(new ChatCompletion.Choice(i, choices.get(i).text(), choices.get(i).finishReason()));
        }
        return new ChatCompletion(id, created, model, out, usage);
    }
}
