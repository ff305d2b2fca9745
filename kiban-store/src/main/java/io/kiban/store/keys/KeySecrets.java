package io.kiban.store.keys;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Objects;
import java.util.zip.CRC32;

/**
 * Makes, recognises and hashes API key secrets of the form {@code sk-kiban-<32 random><6 checksum>}.
 *
 * <p>The 32 random characters are base62 drawn from {@link SecureRandom} without modulo bias (about 190 bits).
 * The 6-character suffix is a CRC32 of everything before it, so a mistyped or truncated key is rejected by
 * {@link #isWellFormed} without any lookup, and secret scanners can recognise real keys. Secrets are stored only as
 * SHA-256: a high-entropy secret needs no slow hash, and BCrypt would silently ignore everything after 72 bytes.
 */
public final class KeySecrets {
    /** The recognisable start of every secret. */
    public static final String PREFIX = "sk-kiban-";
    /** How many leading characters are kept in clear for display ("sk-kiban-AbCde"). */
    public static final int DISPLAY_PREFIX_LENGTH = 14;

    static final int RANDOM_CHARS = 32;
    static final int CHECKSUM_CHARS = 6;
    static final int LENGTH = PREFIX.length() + RANDOM_CHARS + CHECKSUM_CHARS;
    private static final String BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private final SecureRandom random;

    public KeySecrets(SecureRandom random) {
        this.random = Objects.requireNonNull(random, "random");
    }

    public KeySecrets() {
        this(new SecureRandom());
    }

    /** A freshly generated secret, to be shown to its owner once; only {@code prefix} and {@code hash} are stored. */
    public record NewSecret(String secret, String prefix, String hash) {
        @Override
        public String toString() {
            return "NewSecret[secret=" + prefix + "…, hash=" + hash + "]";
        }
    }

    public NewSecret generate() {
        var body = new StringBuilder(LENGTH).append(PREFIX);
        var bytes = new byte[64];
        while (body.length() < PREFIX.length() + RANDOM_CHARS) {
            random.nextBytes(bytes);
            for (int i = 0; i < bytes.length && body.length() < PREFIX.length() + RANDOM_CHARS; i++) {
                int sixBits = bytes[i] & 0x3F;
                if (sixBits < 62) { // rejecting 62 and 63 keeps every character equally likely
                    body.append(BASE62.charAt(sixBits));
                }
            }
        }
        String secret = body + checksum(body);
        return new NewSecret(secret, displayPrefix(secret), hash(secret));
    }

    /** Whether a presented credential has the shape and checksum of a Kiban secret. Cheap; no lookup. */
    public static boolean isWellFormed(String candidate) {
        if (candidate == null || candidate.length() != LENGTH || !candidate.startsWith(PREFIX)) {
            return false;
        }
        for (int i = PREFIX.length(); i < LENGTH; i++) {
            if (BASE62.indexOf(candidate.charAt(i)) < 0) {
                return false;
            }
        }
        CharSequence body = candidate.subSequence(0, LENGTH - CHECKSUM_CHARS);
        return checksum(body).equals(candidate.substring(LENGTH - CHECKSUM_CHARS));
    }

    /** Lower-case hex SHA-256 of the whole secret, as stored in {@code api_keys.secret_hash}. */
    public static String hash(String secret) {
        return HexFormat.of().formatHex(sha256(secret));
    }

    /** Compares a presented secret with a stored hash in time that does not depend on where they differ. */
    public static boolean matches(String secret, String storedHash) {
        if (secret == null || storedHash == null || storedHash.length() != 64) {
            return false;
        }
        byte[] expected;
        try {
            expected = HexFormat.of().parseHex(storedHash);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return MessageDigest.isEqual(sha256(secret), expected);
    }

    public static String displayPrefix(String secret) {
        return secret.substring(0, Math.min(DISPLAY_PREFIX_LENGTH, secret.length()));
    }

    private static byte[] sha256(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    private static String checksum(CharSequence body) {
        var crc = new CRC32();
        crc.update(body.toString().getBytes(StandardCharsets.US_ASCII));
        long value = crc.getValue();
        var out = new char[CHECKSUM_CHARS];
        for (int i = CHECKSUM_CHARS - 1; i >= 0; i--) { // 62^6 > 2^32, so six digits hold any CRC32
            out[i] = BASE62.charAt((int) (value % 62));
            value /= 62;
        }
        return new String(out);
    }
}
