package io.kiban.bench;

import io.kiban.api.Json;
import io.kiban.bench.load.Job;
import io.kiban.bench.load.JobSource;
import io.kiban.bench.workload.Prompt;
import io.kiban.bench.workload.Workload;
import java.util.concurrent.atomic.AtomicReferenceArray;
import tools.jackson.databind.node.ObjectNode;

/**
 * Builds OpenAI request bodies for a workload's prompts: a chat completion with one user message, or a legacy
 * completion. Streaming requests ask for {@code stream_options.include_usage} so token counts come from the server.
 *
 * @param ignoreEos also send {@code "ignore_eos": true} (vLLM, llama.cpp and Kiban honour it) so every request
 *     generates exactly {@code max_tokens}
 * @param temperature sent when not null
 */
record RequestBodies(String model, boolean chat, boolean ignoreEos, Double temperature) {

    String path() {
        return chat ? "/chat/completions" : "/completions";
    }

    byte[] body(Prompt p, boolean stream) {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("model", model);
        if (chat) {
            o.putArray("messages").addObject().put("role", "user").put("content", p.text());
        } else {
            o.put("prompt", p.text());
        }
        o.put("max_tokens", p.maxTokens());
        if (temperature != null) {
            o.put("temperature", temperature);
        }
        if (ignoreEos) {
            o.put("ignore_eos", true);
        }
        if (stream) {
            o.put("stream", true);
            o.putObject("stream_options").put("include_usage", true);
        }
        return Json.write(o);
    }

    /** Jobs for a workload; bodies of cyclic workloads are built once per distinct prompt. */
    JobSource jobs(Workload w, boolean stream) {
        long size = w.size();
        if (size > 0 && size <= 100_000 && !w.timed()) {
            AtomicReferenceArray<Job> cache = new AtomicReferenceArray<>((int) size);
            return i -> {
                int k = (int) (i % size);
                Job j = cache.get(k);
                if (j == null) {
                    Prompt p = w.prompt(k);
                    j = new Job(path(), body(p, stream), stream, -1);
                    cache.set(k, j);
                }
                return j;
            };
        }
        return i -> {
            Prompt p = w.prompt(i);
            return p == null ? null : new Job(path(), body(p, stream), stream, p.offsetNanos());
        };
    }
}
