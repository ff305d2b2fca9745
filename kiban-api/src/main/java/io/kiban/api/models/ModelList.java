package io.kiban.api.models;

import java.util.List;

/** {@code GET /v1/models}. */
public record ModelList(String object, List<ModelInfo> data) {
    public ModelList(List<ModelInfo> data) {
        this("list", data);
    }
}
