package io.kiban.bench.report;

import io.kiban.bench.load.StepResult;
import java.util.List;

/** A whole run: its conditions, the steps in order, and notes (warnings such as an overloaded generator). */
public record RunReport(RunInfo info, List<StepResult> steps, List<String> notes) {}
