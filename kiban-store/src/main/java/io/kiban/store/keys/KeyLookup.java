package io.kiban.store.keys;

/**
 * The result of looking up a presented secret in the {@link KeyCache}. The gateway answers every case except
 * {@link Valid} with the same 401, and may audit the difference.
 */
public sealed interface KeyLookup {
    /** The key is enabled and not expired. */
    record Valid(KeyState state) implements KeyLookup {}

    /** Not shaped like a Kiban secret or the checksum is wrong; rejected without a lookup. */
    record Malformed() implements KeyLookup {}

    /** Well-formed but not an enabled key: never existed, revoked, rotated away, or its owner is inactive. */
    record Unknown() implements KeyLookup {}

    /** A real key past its expiry. */
    record Expired(ApiKey key) implements KeyLookup {}
}
