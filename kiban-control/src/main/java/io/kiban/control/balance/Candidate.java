package io.kiban.control.balance;

import java.util.Objects;

/**
 * One ready replica a request may be sent to, as the gateway sees it at the moment of choosing.
 *
 * @param id the replica's id, stable for its lifetime (the hash ring is keyed by it)
 * @param inFlight requests the gateway has sent to it and not yet seen finish
 * @param capacity its slots (llama.cpp {@code --parallel}); 0 or less when unknown or unbounded
 */
public record Candidate(String id, int inFlight, int capacity) {

    public Candidate {
        Objects.requireNonNull(id, "id");
    }

    /** Whether one more request fits: the capacity is unbounded or not yet reached. */
    public boolean hasRoom() {
        return capacity <= 0 || inFlight < capacity;
    }
}
