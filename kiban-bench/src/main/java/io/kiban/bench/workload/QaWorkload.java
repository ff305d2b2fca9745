package io.kiban.bench.workload;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Short single questions, like the seed's "single question" workload, cycled in order. The bundled list
 * ({@code qa-questions.txt}, written for this project) holds a few dozen general-knowledge questions.
 */
public final class QaWorkload implements Workload {
    private final List<String> questions;
    private final int maxTokens;

    public QaWorkload(List<String> questions, int maxTokens) {
        if (questions.isEmpty()) {
            throw new IllegalArgumentException("no questions");
        }
        this.questions = List.copyOf(questions);
        this.maxTokens = maxTokens;
    }

    public static QaWorkload bundled(int maxTokens) {
        return new QaWorkload(Resources.lines("qa-questions.txt"), maxTokens);
    }

    @Override
    public String name() {
        return "qa";
    }

    @Override
    public Prompt prompt(long i) {
        return new Prompt(questions.get((int) (i % questions.size())), maxTokens, -1);
    }

    @Override
    public long size() {
        return questions.size();
    }

    /** Reads bundled text resources. */
    static final class Resources {
        private Resources() {}

        static String text(String name) {
            try (InputStream in = QaWorkload.class.getResourceAsStream(name)) {
                if (in == null) {
                    throw new IllegalStateException("missing bundled resource " + name);
                }
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        static List<String> lines(String name) {
            return text(name).lines().map(String::strip).filter(s -> !s.isEmpty() && !s.startsWith("#")).toList();
        }
    }
}
