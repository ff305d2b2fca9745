package io.kiban.server.tenancy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.kiban.api.ApiException;
import io.kiban.store.keys.KeySettings;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyRightsTest {
    static final Instant NOW = Instant.parse("2026-11-22T00:00:00Z");
    static final Instant LATER = NOW.plusSeconds(86_400);

    static KeySettings restricted() {
        return new KeySettings("acting", null, LATER, List.of("a", "b"), List.of("10.0.0.0/8"), 60, 10_000L, false);
    }

    static NewKey ask(List<String> models, List<String> cidrs, Integer rpm, Long tpm, Instant expires) {
        return new NewKey(null, "k", null, expires, models, cidrs, rpm, tpm, null);
    }

    static String refusedFields(KeySettings s, KeySettings acting) {
        try {
            KeyRights.requireWithin(s, acting, "create");
            return "";
        } catch (ApiException e) {
            assertThat(e.error().code()).isEqualTo("exceeds_creator_rights");
            return e.error().message();
        }
    }

    @Test
    void restrictions_left_out_are_inherited_from_the_acting_key() {
        KeySettings s = KeyRights.forNewKey(ask(null, null, null, null, null), "k", restricted(), NOW);
        assertThat(s.allowedModels()).containsExactly("a", "b");
        assertThat(s.allowedCidrs()).containsExactly("10.0.0.0/8");
        assertThat(s.rpmLimit()).isEqualTo(60);
        assertThat(s.tpmLimit()).isEqualTo(10_000L);
        assertThat(s.expiresAt()).isEqualTo(LATER);
        assertThat(refusedFields(s, restricted())).isEmpty();
    }

    @Test
    void an_unrestricted_acting_key_may_set_anything_and_leaves_unset_fields_unrestricted() {
        KeySettings s = KeyRights.forNewKey(ask(null, null, null, null, null), "k", null, NOW);
        assertThat(s.allowedModels()).isEmpty();
        assertThat(s.rpmLimit()).isNull();
        assertThatCode(() -> KeyRights.requireWithin(s, null, "create")).doesNotThrowAnyException();
    }

    @Test
    void narrower_values_are_accepted() {
        KeySettings s = KeyRights.forNewKey(ask(List.of("a"), List.of("10.1.0.0/16"), 30, 500L, NOW.plusSeconds(60)),
                "k", restricted(), NOW);
        assertThat(refusedFields(s, restricted())).isEmpty();
    }

    @Test
    void every_broader_value_is_refused_and_named() {
        record Case(NewKey ask, String field) {}
        for (Case c : List.of(
                new Case(ask(List.of(), null, null, null, null), "allowed_models"),
                new Case(ask(List.of("a", "c"), null, null, null, null), "allowed_models"),
                new Case(ask(null, List.of(), null, null, null), "allowed_cidrs"),
                new Case(ask(null, List.of("0.0.0.0/0"), null, null, null), "allowed_cidrs"),
                new Case(ask(null, List.of("10.0.0.0/8", "11.0.0.0/8"), null, null, null), "allowed_cidrs"),
                new Case(ask(null, null, 61, null, null), "rpm_limit"),
                new Case(ask(null, null, null, 10_001L, null), "tpm_limit"),
                new Case(ask(null, null, null, null, LATER.plusSeconds(1)), "expires_at"))) {
            KeySettings s = KeyRights.forNewKey(c.ask(), "k", restricted(), NOW);
            assertThat(refusedFields(s, restricted())).as(c.toString()).contains(c.field());
        }
    }

    @Test
    void invalid_values_are_400_naming_the_field() {
        for (var c : List.of(ask(List.of("bad name"), null, null, null, null), ask(null, List.of("10.0.0.1/8"), null, null, null),
                ask(null, null, 0, null, null), ask(null, null, null, -5L, null), ask(null, null, null, null, NOW))) {
            assertThatThrownBy(() -> KeyRights.forNewKey(c, "k", null, NOW)).isInstanceOfSatisfying(ApiException.class,
                    e -> assertThat(e.error().param()).isIn("allowed_models", "allowed_cidrs", "rpm_limit", "tpm_limit",
                            "expires_at"));
        }
    }

    @Test
    void networks_are_stored_canonical_and_without_duplicates() {
        assertThat(KeyRights.networks(List.of("2001:DB8::/32", "2001:db8:0::/32", "10.0.0.0/8"))).containsExactly(
                "2001:db8::/32", "10.0.0.0/8");
    }
}
