package io.kiban.bench.workload;

/**
 * One request's content.
 *
 * @param text the user message (chat) or prompt (completions)
 * @param maxTokens output limit to ask for
 * @param offsetNanos intended send time from the start of the replay (traces), or -1
 */
public record Prompt(String text, int maxTokens, long offsetNanos) {}
