package io.kiban.bench.sim;

import io.kiban.bench.http.ByteSink;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;

/**
 * Writes the simulator's OpenAI-shaped JSON and SSE bodies straight into byte buffers (no object mapping: this is
 * the simulator's hot path). The shapes match {@code io.kiban.api}'s records, which the tests parse them with.
 */
final class SimResponses {
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);

    private final SimRequest req;
    private final SimOutput out;
    private final String finish;
    private final int cachedTokens;
    private final boolean chat;
    private final byte[] head; // `{"id":…,"object":…,"created":…,"model":…,"choices":[`

    SimResponses(SimRequest req, String idToken, long seq, SimOutput out, String finish, int cachedTokens) {
        this.req = req;
        this.out = out;
        this.finish = finish;
        this.cachedTokens = cachedTokens;
        this.chat = req.endpoint() == SimRequest.Endpoint.CHAT;
        ByteSink h = new ByteSink(160);
        h.ascii(chat ? "{\"id\":\"chatcmpl-sim-" : "{\"id\":\"cmpl-sim-").ascii(idToken).ascii("-").decimal(seq).ascii("\",\"object\":\"")
                .ascii(chat ? (req.stream() ? "chat.completion.chunk" : "chat.completion") : "text_completion")
                .ascii("\",\"created\":").decimal(System.currentTimeMillis() / 1000).ascii(",\"model\":\"")
                .jsonEscaped(req.model()).ascii("\",\"choices\":[");
        this.head = h.toByteArray();
    }

    /** The non-streamed response. */
    void whole(ByteSink b) {
        b.append(head);
        if (chat) {
            b.ascii("{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"");
            out.appendAll(b);
            b.ascii("\"},\"logprobs\":null,\"finish_reason\":\"").ascii(finish).ascii("\"}],");
        } else {
            b.ascii("{\"text\":\"");
            out.appendAll(b);
            b.ascii("\",\"index\":0,\"logprobs\":null,\"finish_reason\":\"").ascii(finish).ascii("\"}],");
        }
        usage(b, out.tokens());
        b.ascii(",\"system_fingerprint\":null}");
    }

    /** The SSE event carrying token {@code i}. */
    void chunk(ByteSink b, int i) {
        b.ascii("data: ").append(head);
        if (chat) {
            b.ascii(i == 0 ? "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"" : "{\"index\":0,\"delta\":{\"content\":\"");
            out.appendPiece(b, i);
            b.ascii("\"},\"logprobs\":null,\"finish_reason\":null}]}\n\n");
        } else {
            b.ascii("{\"text\":\"");
            out.appendPiece(b, i);
            b.ascii("\",\"index\":0,\"logprobs\":null,\"finish_reason\":null}]}\n\n");
        }
    }

    /** The finish event, the usage event when asked for, and {@code [DONE]}. */
    void finish(ByteSink b) {
        b.ascii("data: ").append(head);
        if (chat) {
            b.ascii("{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"").ascii(finish).ascii("\"}]}\n\n");
        } else {
            b.ascii("{\"text\":\"\",\"index\":0,\"logprobs\":null,\"finish_reason\":\"").ascii(finish).ascii("\"}]}\n\n");
        }
        if (req.includeUsage()) {
            b.ascii("data: ").append(head).ascii("],");
            usage(b, out.tokens());
            b.ascii("}\n\n");
        }
        b.append(DONE);
    }

    private void usage(ByteSink b, int completion) {
        b.ascii("\"usage\":{\"prompt_tokens\":").decimal(req.promptTokens()).ascii(",\"completion_tokens\":")
                .decimal(completion).ascii(",\"total_tokens\":").decimal((long) req.promptTokens() + completion)
                .ascii(",\"prompt_tokens_details\":{\"cached_tokens\":").decimal(cachedTokens).ascii("}}");
    }

    static void models(ByteSink b, List<String> models) {
        b.ascii("{\"object\":\"list\",\"data\":[");
        for (int i = 0; i < models.size(); i++) {
            b.ascii(i == 0 ? "{\"id\":\"" : ",{\"id\":\"").jsonEscaped(models.get(i))
                    .ascii("\",\"object\":\"model\",\"created\":0,\"owned_by\":\"kiban-simulator\"}");
        }
        b.ascii("]}");
    }

    /**
     * Deterministic unit vectors: component {@code j} of input {@code s} comes from a hash of (s, j), then the vector
     * is normalised. Identical inputs get identical vectors; different inputs are nearly orthogonal.
     */
    static void embeddings(ByteSink b, SimRequest req, int dim) {
        b.ascii("{\"object\":\"list\",\"data\":[");
        float[] v = new float[dim];
        for (int i = 0; i < req.inputs().size(); i++) {
            String s = req.inputs().get(i);
            long h = s.hashCode() * 0x9E3779B97F4A7C15L + s.length();
            double norm = 0;
            for (int j = 0; j < dim; j++) {
                long z = SimTokenizer.mix(h + j * 0xD1B54A32D192ED03L);
                v[j] = (float) (((z >>> 11) * 0x1.0p-53) * 2 - 1);
                norm += (double) v[j] * v[j];
            }
            float scale = (float) (1 / Math.sqrt(norm));
            b.ascii(i == 0 ? "{\"object\":\"embedding\",\"index\":" : ",{\"object\":\"embedding\",\"index\":").decimal(i)
                    .ascii(",\"embedding\":");
            if (req.base64()) {
                ByteBuffer bb = ByteBuffer.allocate(dim * 4).order(ByteOrder.LITTLE_ENDIAN);
                for (int j = 0; j < dim; j++) {
                    bb.putFloat(v[j] * scale);
                }
                b.ascii("\"").ascii(Base64.getEncoder().encodeToString(bb.array())).ascii("\"}");
            } else {
                b.ascii("[");
                for (int j = 0; j < dim; j++) {
                    if (j > 0) {
                        b.ascii(",");
                    }
                    b.ascii(Float.toString(v[j] * scale));
                }
                b.ascii("]}");
            }
        }
        b.ascii("],\"model\":\"").jsonEscaped(req.model()).ascii("\",\"usage\":{\"prompt_tokens\":")
                .decimal(req.promptTokens()).ascii(",\"total_tokens\":").decimal(req.promptTokens()).ascii("}}");
    }
}
