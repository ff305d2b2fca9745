package io.kiban.worker;

import io.kiban.worker.engine.GenerationSettings;
import java.util.List;

/**
 * A validated generation request, ready for the engine.
 *
 * @param choices one settings object per requested choice ({@code n}); seeds differ per choice when a seed is given
 * @param echo text to emit before the generated text of each choice (legacy completions' {@code echo})
 */
record Job(Shape shape, int[] promptTokens, List<GenerationSettings> choices, boolean stream, boolean includeUsage, String echo) {}
