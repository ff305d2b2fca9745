package io.kiban.server.tenancy;

import io.kiban.server.ServerOptions;
import io.kiban.store.keys.KeySettings;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * Pure rules for key settings: valid values, inheritance from the caller's key, and "a key may only be given
 * rights its maker has" (reliability A4: a minted key is a subset of its creator's rights).
 *
 * <p>The rights compared are allowed models, allowed networks, rate limits and expiry. A key with no restriction
 * on one of them is broader than any key with one. A caller whose own key is unrestricted ({@code acting == null})
 * may set anything.
 */
public final class KeyRights {
    static final int MAX_LIST = 100;

    private KeyRights() {}

    /** Valid, de-duplicated model names; null stays null. */
    public static List<String> models(List<String> names) {
        if (names == null) {
            return null;
        }
        if (names.size() > MAX_LIST) {
            throw Problems.invalid("allowed_models", "'allowed_models' may name at most " + MAX_LIST + " models.");
        }
        var out = new LinkedHashSet<String>();
        for (String n : names) {
            try {
                out.add(ServerOptions.checkName(n == null ? "" : n));
            } catch (IllegalArgumentException e) {
                throw Problems.invalid("allowed_models", e.getMessage());
            }
        }
        return List.copyOf(out);
    }

    /** Valid networks in canonical form ({@code 10.0.0.0/8}), de-duplicated; null stays null. */
    public static List<String> networks(List<String> cidrs) {
        if (cidrs == null) {
            return null;
        }
        if (cidrs.size() > MAX_LIST) {
            throw Problems.invalid("allowed_cidrs", "'allowed_cidrs' may list at most " + MAX_LIST + " networks.");
        }
        var out = new LinkedHashSet<String>();
        for (String c : cidrs) {
            try {
                out.add(Cidr.parse(c).toString());
            } catch (IllegalArgumentException e) {
                throw Problems.invalid("allowed_cidrs", "Invalid network in 'allowed_cidrs': " + e.getMessage() + ".");
            }
        }
        return List.copyOf(out);
    }

    static Integer positive(String param, Integer value) {
        if (value != null && value < 1) {
            throw Problems.invalid(param, "'" + param + "' must be at least 1 (leave it out for no limit).");
        }
        return value;
    }

    static Long positive(String param, Long value) {
        if (value != null && value < 1) {
            throw Problems.invalid(param, "'" + param + "' must be at least 1 (leave it out for no limit).");
        }
        return value;
    }

    static Instant future(Instant expiresAt, Instant now) {
        if (expiresAt != null && !expiresAt.isAfter(now)) {
            throw Problems.invalid("expires_at", "'expires_at' must be in the future (Unix seconds); "
                    + "to stop a key now, revoke it.");
        }
        return expiresAt;
    }

    /**
     * Settings for a new key: validated request values, with every restriction the request leaves out taken from
     * the caller's key.
     */
    public static KeySettings forNewKey(NewKey r, String name, KeySettings acting, Instant now) {
        List<String> models = models(r.allowedModels());
        List<String> cidrs = networks(r.allowedCidrs());
        Integer rpm = positive("rpm_limit", r.rpmLimit());
        Long tpm = positive("tpm_limit", r.tpmLimit());
        Instant expires = future(r.expiresAt(), now);
        if (acting != null) {
            models = models != null ? models : acting.allowedModels();
            cidrs = cidrs != null ? cidrs : acting.allowedCidrs();
            rpm = rpm != null ? rpm : acting.rpmLimit();
            tpm = tpm != null ? tpm : acting.tpmLimit();
            expires = expires != null ? expires : acting.expiresAt();
        }
        return new KeySettings(name, r.projectId(), expires, models, cidrs, rpm, tpm,
                Boolean.TRUE.equals(r.metadataOnly()));
    }

    /**
     * Refuses (403) settings that give more than the caller's key has.
     *
     * @param verb what the caller is doing, for the message ("create", "rotate", "change")
     */
    public static void requireWithin(KeySettings s, KeySettings acting, String verb) {
        if (acting == null) {
            return;
        }
        List<String> beyond = new ArrayList<>();
        if (!acting.allowedModels().isEmpty() && (s.allowedModels().isEmpty()
                || !acting.allowedModels().containsAll(s.allowedModels()))) {
            beyond.add("allowed_models");
        }
        if (!Networks.ofStored(s.allowedCidrs()).within(Networks.ofStored(acting.allowedCidrs()))) {
            beyond.add("allowed_cidrs");
        }
        if (acting.rpmLimit() != null && (s.rpmLimit() == null || s.rpmLimit() > acting.rpmLimit())) {
            beyond.add("rpm_limit");
        }
        if (acting.tpmLimit() != null && (s.tpmLimit() == null || s.tpmLimit() > acting.tpmLimit())) {
            beyond.add("tpm_limit");
        }
        if (acting.expiresAt() != null && (s.expiresAt() == null || s.expiresAt().isAfter(acting.expiresAt()))) {
            beyond.add("expires_at");
        }
        if (!beyond.isEmpty()) {
            throw Problems.forbidden("The key you are using is more restricted than the key you want to " + verb
                    + " (" + String.join(", ", beyond) + "). A key can only " + verb + " keys within its own "
                    + "models, networks, rate limits and expiry; use a broader key.", "exceeds_creator_rights");
        }
    }
}
