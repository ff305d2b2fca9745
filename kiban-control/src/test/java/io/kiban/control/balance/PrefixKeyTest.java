package io.kiban.control.balance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PrefixKeyTest {

    private static final int K = 64;

    private static long key(String json) {
        return PrefixKey.of(json.getBytes(StandardCharsets.UTF_8), K);
    }

    private static String msg(String role, String content) {
        return "{\"role\":\"" + role + "\",\"content\":\"" + content + "\"}";
    }

    private static String chat(String... messages) {
        return "{\"model\":\"m\",\"messages\":[" + String.join(",", messages) + "],\"max_tokens\":5}";
    }

    @Test
    void every_turn_of_a_conversation_has_the_key_of_its_opening() {
        long turn1 = key(chat(msg("system", "You are terse."), msg("user", "Hi")));
        long turn2 = key(chat(msg("system", "You are terse."), msg("user", "Hi"), msg("assistant", "Hello."),
                msg("user", "What is 2+2?")));
        long turn3 = key(chat(msg("system", "You are terse."), msg("user", "Hi"), msg("assistant", "Hello."),
                msg("user", "What is 2+2?"), msg("assistant", "4"), msg("user", "Thanks")));
        assertThat(turn1).isNotEqualTo(PrefixKey.NONE).isEqualTo(turn2).isEqualTo(turn3);
    }

    @Test
    void a_different_opening_or_preamble_gives_a_different_key() {
        long base = key(chat(msg("system", "You are terse."), msg("user", "Hi")));
        assertThat(key(chat(msg("system", "You are terse."), msg("user", "Hello")))).isNotEqualTo(base);
        assertThat(key(chat(msg("system", "You are verbose."), msg("user", "Hi")))).isNotEqualTo(base);
        assertThat(key(chat(msg("user", "Hi")))).isNotEqualTo(base);
        // the same text under another role is another prefix for the engine
        assertThat(key(chat(msg("developer", "You are terse."), msg("user", "Hi")))).isNotEqualTo(base);
    }

    @Test
    void a_long_shared_system_prompt_does_not_swallow_the_opening() {
        String longSystem = "x".repeat(10 * K);
        long a = key(chat(msg("system", longSystem), msg("user", "first conversation")));
        long b = key(chat(msg("system", longSystem), msg("user", "second conversation")));
        assertThat(a).isNotEqualTo(b);
        // but only the first K bytes of each part count
        long c = key(chat(msg("system", longSystem + "tail differs"), msg("user", "first conversation")));
        assertThat(c).isEqualTo(a);
    }

    @Test
    void only_the_first_bytes_of_the_opening_count() {
        String head = "h".repeat(K);
        assertThat(key(chat(msg("user", head + "one ending")))).isEqualTo(key(chat(msg("user", head + "another"))));
        assertThat(key(chat(msg("user", "a" + head)))).isNotEqualTo(key(chat(msg("user", "b" + head))));
    }

    @Test
    void completions_prompts_hash_their_first_bytes() {
        String head = "p".repeat(K);
        assertThat(key("{\"prompt\":\"" + head + "1\",\"model\":\"m\"}"))
                .isEqualTo(key("{\"model\":\"m\",\"prompt\":\"" + head + "2\"}"))
                .isNotEqualTo(key("{\"prompt\":\"q" + head + "\"}"));
        assertThat(key("{\"prompt\":[1,2,3]}")).isNotEqualTo(PrefixKey.NONE).isNotEqualTo(key("{\"prompt\":[1,2,4]}"));
        assertThat(key("{\"input\":\"embed me\"}")).isNotEqualTo(PrefixKey.NONE);
    }

    @Test
    void input_arrays_are_read_like_messages() {
        assertThat(key("{\"input\":[" + msg("system", "s") + "," + msg("user", "u") + "," + msg("user", "later") + "]}"))
                .isEqualTo(key("{\"input\":[" + msg("system", "s") + "," + msg("user", "u") + "]}"));
    }

    @Test
    void the_order_of_keys_inside_a_message_does_not_matter() {
        String roleFirst = chat(msg("system", "s"), "{\"role\":\"user\",\"content\":\"" + "u".repeat(3 * K) + "\"}");
        String contentFirst = chat("{\"content\":\"s\",\"role\":\"system\"}",
                "{\"name\":\"x\",\"content\":\"" + "u".repeat(3 * K) + "\",\"role\":\"user\"}");
        assertThat(key(roleFirst)).isEqualTo(key(contentFirst));
        String shortRoleFirst = chat(msg("user", "short"));
        String shortContentFirst = chat("{\"content\":\"short\",\"role\":\"user\"}");
        assertThat(key(shortRoleFirst)).isEqualTo(key(shortContentFirst));
    }

    @Test
    void content_parts_contribute_their_text() {
        String parts1 = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"describe\"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,AAAA\"}}]}]}";
        String parts2 = parts1.replace("describe", "explain");
        assertThat(key(parts1)).isNotEqualTo(PrefixKey.NONE).isNotEqualTo(key(parts2));
    }

    @Test
    void values_before_the_messages_are_skipped_whatever_they_hold() {
        String tools = "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"description\":"
                + "\"has \\\"quotes\\\", braces } ] and a backslash \\\\\",\"parameters\":{\"a\":[1,{\"b\":null}]}}}],"
                + "\"temperature\":0.5,\"stop\":null,\"stream\":false,";
        String plain = chat(msg("user", "Hi"));
        String withTools = "{" + tools + plain.substring(1);
        assertThat(key(withTools)).isNotEqualTo(PrefixKey.NONE).isEqualTo(key(plain));
    }

    @Test
    void escaped_quotes_inside_content_are_part_of_the_text() {
        long a = key(chat(msg("user", "say \\\"hi\\\" please")));
        long b = key(chat(msg("user", "say \\\"ho\\\" please")));
        assertThat(a).isNotEqualTo(PrefixKey.NONE).isNotEqualTo(b);
        // an escape straddling the cut-off point
        String cut = "a".repeat(K - 1) + "\\\"" + "tail";
        assertThat(key(chat(msg("user", cut)))).isNotEqualTo(PrefixKey.NONE);
    }

    @Test
    void bodies_without_prompt_text_have_no_key() {
        assertThat(PrefixKey.of(null, K)).isEqualTo(PrefixKey.NONE);
        assertThat(key("")).isEqualTo(PrefixKey.NONE);
        assertThat(key("{}")).isEqualTo(PrefixKey.NONE);
        assertThat(key("{\"model\":\"m\",\"messages\":[]}")).isEqualTo(PrefixKey.NONE);
        assertThat(key("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"\"}]}"))
                .isEqualTo(PrefixKey.NONE);
        assertThat(key("[1,2]")).isEqualTo(PrefixKey.NONE);
        assertThat(key("not json")).isEqualTo(PrefixKey.NONE);
        assertThat(key("{\"messages\":[{\"role\":\"user\",\"content\":\"unterminated")).isEqualTo(PrefixKey.NONE);
        assertThat(key("{\"model\":\"m\"")).isEqualTo(PrefixKey.NONE);
    }

    @Test
    void deep_nesting_is_skipped_without_exhausting_the_stack() {
        String deep = "[".repeat(200_000) + "]".repeat(200_000);
        assertThat(key("{\"prompt\":" + deep + "}")).isEqualTo(PrefixKey.NONE);
        assertThat(key("{\"tools\":" + deep + ",\"prompt\":\"p\"}")).isNotEqualTo(PrefixKey.NONE);
    }

    @Test
    void a_prompt_far_longer_than_the_key_is_cut_without_reading_its_end() {
        // the closing quote is missing: had the scan looked for it, the body would be rejected as malformed
        String body = "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "w".repeat(100 * K);
        assertThat(key(body)).isNotEqualTo(PrefixKey.NONE);
    }

    @Test
    void malformed_structure_ends_the_scan_instead_of_looping() {
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            for (String bad : new String[] {"{\"messages\":[}]}", "{\"prompt\":[}", "{\"prompt\":{1}}",
                    "{\"a\":]}", "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}", "{\"input\":[[[",
                    "{\"messages\":[{\"role\":\"system\" \"content\":\"x\"}]}", "{\"prompt\":\"\\\"}"}) {
                key(bad); // any answer will do; it must come back
            }
        });
    }

    @Test
    void any_mutation_of_a_valid_body_is_answered_quickly() {
        byte[] valid = ("{\"model\":\"m\",\"tools\":[{\"f\":{\"d\":\"x\\\"y\"}}],\"messages\":["
                + msg("system", "sys \\\"q\\\"") + "," + msg("user", "hello [world] {x}") + "],\"prompt\":[1,[2]]}")
                .getBytes(StandardCharsets.UTF_8);
        byte[] alphabet = "{}[]\",:\\ a1".getBytes(StandardCharsets.US_ASCII);
        var random = new SplittableRandom(11);
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            for (int round = 0; round < 50_000; round++) {
                byte[] body = Arrays.copyOf(valid, 1 + random.nextInt(valid.length));
                for (int k = random.nextInt(4); k > 0; k--) {
                    body[random.nextInt(body.length)] = alphabet[random.nextInt(alphabet.length)];
                }
                PrefixKey.of(body, 1 + random.nextInt(40));
            }
        });
    }
}
