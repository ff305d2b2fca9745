package io.kiban.worker;

import static org.assertj.core.api.Assertions.assertThat;

import io.kiban.api.Json;
import io.kiban.api.chat.ChatCompletionRequest;
import io.kiban.gguf.TinyLlama;
import io.kiban.worker.engine.Engine;
import io.kiban.worker.engine.EngineConfig;
import io.kiban.worker.engine.LlamaCppEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * How each chat template renders a continued final message ({@code continue_final_message}) and a request without a
 * generation prompt, on real llama.cpp: Kiban's own {@code plain} and {@code chatml} templates, and the GGUF file's
 * Jinja template through the binding's {@code applyTemplate}.
 */
class ChatTemplatesIT {
    static Path dir;
    static LlamaCppEngine chatml;
    static LlamaCppEngine gguf;

    @BeforeAll
    static void load() throws Exception {
        dir = Files.createTempDirectory("templates-it");
        Path plain = dir.resolve("plain.gguf");
        TinyLlama.write(plain);
        Path withTemplate = dir.resolve("chat.gguf");
        TinyLlama.write(withTemplate, TinyLlama.Options.defaults().withChatTemplate(TinyLlama.CHATML_TEMPLATE));
        chatml = new LlamaCppEngine(new EngineConfig(plain, 256, 1, 1, false, "chatml"));
        gguf = new LlamaCppEngine(new EngineConfig(withTemplate, 256, 1, 1, false, "gguf"));
    }

    @AfterAll
    static void close() {
        chatml.close();
        gguf.close();
    }

    static final List<Engine.ChatTurn> ASKED = List.of(new Engine.ChatTurn("user", "hi"));
    static final String OPENED = "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n";

    static ChatCompletionRequest request(String json) {
        return Json.readRequest(json.getBytes(java.nio.charset.StandardCharsets.UTF_8), ChatCompletionRequest.class);
    }

    static final String CONTINUED = "{\"model\":\"t\",\"max_tokens\":3,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
            + "{\"role\":\"assistant\",\"content\":\" the big\"}],\"continue_final_message\":true,\"add_generation_prompt\":false}";

    @Test
    void kibans_chatml_template_opens_the_turn_only_when_asked() {
        assertThat(chatml.renderChat(ASKED, true)).isEqualTo(OPENED);
        assertThat(chatml.renderChat(ASKED, false)).isEqualTo("<|im_start|>user\nhi<|im_end|>\n");
    }

    @Test
    void the_gguf_template_opens_the_turn_only_when_asked() {
        assertThat(gguf.renderChat(ASKED, true)).isEqualTo(OPENED);
        assertThat(gguf.renderChat(ASKED, false)).isEqualTo("<|im_start|>user\nhi<|im_end|>\n");
    }

    @Test
    void a_continued_message_is_the_opened_turn_plus_its_text_and_is_not_closed() {
        for (LlamaCppEngine engine : List.of(chatml, gguf)) {
            Job job = new Jobs(engine, "t").chat(request(CONTINUED));
            assertThat(job.promptTokens()).as(engine.info().template())
                    .isEqualTo(engine.tokenizePrompt(OPENED + " the big"));
        }
    }

    @Test
    void kibans_plain_template_continues_the_text_after_the_prompt() throws Exception {
        try (LlamaCppEngine plain = new LlamaCppEngine(new EngineConfig(dir.resolve("plain.gguf"), 256, 1, 1, false, "plain"))) {
            Job job = new Jobs(plain, "t").chat(request(CONTINUED));
            assertThat(job.promptTokens()).isEqualTo(plain.tokenizePrompt("hi the big"));
        }
    }
}
