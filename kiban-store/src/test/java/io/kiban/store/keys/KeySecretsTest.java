package io.kiban.store.keys;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import org.junit.jupiter.api.Test;

class KeySecretsTest {
    private final KeySecrets secrets = new KeySecrets();

    @Test
    void a_secret_has_the_prefix_enough_randomness_and_a_valid_checksum() {
        KeySecrets.NewSecret s = secrets.generate();

        assertThat(s.secret()).startsWith("sk-kiban-").hasSize(KeySecrets.LENGTH);
        assertThat(KeySecrets.RANDOM_CHARS * Math.log(62) / Math.log(2)).isGreaterThan(128);
        assertThat(KeySecrets.isWellFormed(s.secret())).isTrue();
        assertThat(s.prefix()).isEqualTo(s.secret().substring(0, 14));
        assertThat(s.hash()).isEqualTo(KeySecrets.hash(s.secret())).hasSize(64);
    }

    @Test
    void secrets_do_not_repeat_and_use_the_whole_alphabet() {
        var seen = new HashSet<String>();
        var chars = new HashSet<Character>();
        for (int i = 0; i < 10_000; i++) {
            String secret = secrets.generate().secret();
            assertThat(seen.add(secret)).isTrue();
            secret.substring(KeySecrets.PREFIX.length(), KeySecrets.PREFIX.length() + KeySecrets.RANDOM_CHARS)
                    .chars().forEach(c -> chars.add((char) c));
        }
        assertThat(chars).hasSize(62);
    }

    @Test
    void a_typo_a_truncation_or_a_foreign_key_is_malformed() {
        String secret = secrets.generate().secret();
        char last = secret.charAt(20);
        String typo = secret.substring(0, 20) + (last == 'a' ? 'b' : 'a') + secret.substring(21);

        assertThat(KeySecrets.isWellFormed(typo)).isFalse();
        assertThat(KeySecrets.isWellFormed(secret.substring(0, secret.length() - 1))).isFalse();
        assertThat(KeySecrets.isWellFormed("sk-proj-" + secret.substring(8))).isFalse();
        assertThat(KeySecrets.isWellFormed(secret + "'; DROP TABLE api_keys; --")).isFalse();
        assertThat(KeySecrets.isWellFormed(null)).isFalse();
    }

    @Test
    void matches_compares_the_whole_secret_not_a_prefix() {
        String secret = secrets.generate().secret();
        String hash = KeySecrets.hash(secret);
        // BCrypt would accept this: the first 72 bytes are identical.
        String longA = "x".repeat(72) + "A";
        String longB = "x".repeat(72) + "B";

        assertThat(KeySecrets.matches(secret, hash)).isTrue();
        assertThat(KeySecrets.matches(secret + "x", hash)).isFalse();
        assertThat(KeySecrets.matches(longB, KeySecrets.hash(longA))).isFalse();
        assertThat(KeySecrets.matches(secret, "not-hex")).isFalse();
    }

    @Test
    void the_printed_form_never_contains_the_secret() {
        KeySecrets.NewSecret s = secrets.generate();

        assertThat(s.toString()).doesNotContain(s.secret()).contains(s.prefix());
    }
}
