package io.kiban.store.quota;

/**
 * Tokens handed to one server from a subject's budget for one period.
 *
 * @param tokens how many; 0 means the budget cannot cover the request
 * @param last true when the budget could not cover what was needed and these are its last tokens: the caller may
 *     admit the request anyway, as the period's single allowed overshoot
 */
public record Grant(long tokens, boolean last) {
    public static final Grant NONE = new Grant(0, false);
}
