package io.kiban.gateway.spi;

import java.util.List;

/**
 * Admits or refuses a model call before it is forwarded (rate limits, token quotas), and settles it with what it
 * really cost after it ended. Implementations decide from memory: a database call may happen only rarely (once per
 * chunk of a quota, not per request), never as a matter of course.
 *
 * <p>Contract: every {@link Reservation} returned by {@link #reserve} is passed to {@link #settle} exactly once,
 * whatever happened to the request (answered, refused upstream, client gone, runtime crashed). A refused request
 * reserves nothing, so it consumes nothing.
 */
public interface Limiter {

    /** Admits everything and sends no headers. */
    Limiter NONE = new Limiter() {
        @Override
        public Reservation reserve(Principal principal, Demand demand) {
            return Reservation.EMPTY;
        }

        @Override
        public void settle(Reservation reservation, long actualTokens) {}
    };

    /**
     * Reserves what the request may cost, or refuses it.
     *
     * @return the reservation, whose {@link Reservation#headers()} go on the response
     * @throws LimitExceeded when a limit refuses the request (the error is a 429 with {@code Retry-After}, or a
     *     503 when the limit cannot be checked)
     */
    Reservation reserve(Principal principal, Demand demand);

    /**
     * Ends a reservation with the tokens the request actually used (prompt plus output, 0 when it never reached a
     * model); the difference to the reservation is given back, or charged when it was larger. -1 means the request
     * was answered but its usage is unknown (a runtime that reports none): the reservation stays spent.
     */
    void settle(Reservation reservation, long actualTokens);

    /**
     * What a request asks for, as read from its body without parsing it into a tree.
     *
     * @param kind {@code chat}, {@code completion} or {@code embedding}
     * @param promptBytes size of the request body, the basis of the prompt estimate
     * @param maxOutputTokens {@code max_completion_tokens} or {@code max_tokens}; -1 when the request gives none;
     *     0 for embeddings
     * @param choices {@code n}, the number of choices asked for (1 by default)
     */
    record Demand(String model, String kind, int promptBytes, int maxOutputTokens, int choices) {}

    /** An admitted request's hold on its limits. */
    interface Reservation {
        Reservation EMPTY = List::of;

        /** Response headers as name, value pairs (such as {@code x-ratelimit-remaining-requests}). */
        List<String> headers();
    }
}
