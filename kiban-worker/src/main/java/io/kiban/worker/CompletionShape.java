package io.kiban.worker;

import io.kiban.api.Json;
import io.kiban.api.Usage;
import io.kiban.api.completions.Completion;
import java.util.ArrayList;
import java.util.List;

/** Legacy completions: {@code text_completion} objects, streamed in the same shape. */
final class CompletionShape implements Shape {
    private final String id;
    private final long created;
    private final String model;

    CompletionShape(String id, long created, String model) {
        this.id = id;
        this.created = created;
        this.model = model;
    }

    @Override
    public byte[] piece(int choice, String text, boolean first) {
        return chunk(List.of(new Completion.Choice(text, choice, null)), null);
    }

    @Override
    public byte[] finish(int choice, String finishReason) {
        return chunk(List.of(new Completion.Choice("", choice, finishReason)), null);
    }

    @Override
    public byte[] usage(Usage usage) {
        return chunk(List.of(), usage);
    }

    private byte[] chunk(List<Completion.Choice> choices, Usage usage) {
        return Json.write(new Completion(id, created, model, choices, usage));
    }

    @Override
    public Object whole(List<Choice> choices, Usage usage) {
        List<Completion.Choice> out = new ArrayList<>(choices.size());
        for (int i = 0; i < choices.size(); i++) {
            out.add(new Completion.Choice(choices.get(i).text(), i, choices.get(i).finishReason()));
        }
        return new Completion(id, created, model, out, usage);
    }
}
