package io.kiban.control.backend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class CommandTemplateTest {

    @Test
    void splits_on_whitespace_keeps_quoted_spaces_and_fills_placeholders() {
        CommandTemplate t = CommandTemplate.parse("llama-server  -m {model} --port {port} --alias '{name} chat' \"--x=a b\"");

        assertThat(t.render(Map.of("model", "/m/a b.gguf", "port", "50123", "name", "qwen")))
                .containsExactly("llama-server", "-m", "/m/a b.gguf", "--port", "50123", "--alias", "qwen chat", "--x=a b");
        assertThat(t.uses("model")).isTrue();
        assertThat(t.uses("token")).isFalse();
    }

    @Test
    void a_value_with_regex_characters_is_inserted_literally() {
        assertThat(CommandTemplate.parse("run --port {port} --key {token}").render(Map.of("port", "1", "token", "a$1\\b")))
                .containsExactly("run", "--port", "1", "--key", "a$1\\b");
    }

    @Test
    void a_template_without_a_port_is_rejected_with_an_example() {
        assertThatThrownBy(() -> CommandTemplate.parse("vllm serve {model}"))
                .hasMessageContaining("{port}").hasMessageContaining("llama-server -m {model} --port {port}");
    }

    @Test
    void unknown_placeholders_and_unclosed_quotes_are_rejected() {
        assertThatThrownBy(() -> CommandTemplate.parse("x --port {port} -m {modle}")).hasMessageContaining("{modle}");
        assertThatThrownBy(() -> CommandTemplate.parse("x --port {port} 'open")).hasMessageContaining("unclosed");
        assertThatThrownBy(() -> CommandTemplate.parse("   ")).hasMessageContaining("empty");
    }
}
